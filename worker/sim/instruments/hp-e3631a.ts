import {
  Ieee488Device,
  type InstrumentDefinition,
  type SimInstrumentOptions,
  ScpiError,
  formatNr3,
  parseBool,
  parseChoice,
  parseNumeric,
} from './ieee488-device.js';

/** One E3631A output: name, limits (E3631A User's Guide, specifications) and settings. */
interface Output {
  name: 'P6V' | 'P25V' | 'N25V';
  vMin: number;
  vMax: number;
  iMax: number;
  voltage: number;
  current: number;
  loadOhms: number;
}

/** Options for the simulated E3631A. */
export interface E3631aOptions extends SimInstrumentOptions {
  /** Resistive load on each output, ohms (decides MEAS:CURR? and CC mode). */
  loads?: Partial<Record<'P6V' | 'P25V' | 'N25V', number>>;
}

const OUTPUTS = ['P6V', 'P25V', 'N25V'];

/**
 * HP/Agilent E3631A triple power supply (`HEWLETT-PACKARD,E3631A,0,2.1-5.0-1.0`): INST:SEL/NSEL,
 * APPLy, VOLTage/CURRent per selected output, MEASure, OUTPut; out-of-range settings raise -222
 * "Data out of range". Outputs drive a resistive load, current-limited by the current setting.
 */
export class SimE3631a extends Ieee488Device<SimE3631a> {
  readonly outputs: Output[];
  selected = 0;
  enabled = false;

  constructor(options: E3631aOptions = {}) {
    super(definition, options);
    const load = (n: 'P6V' | 'P25V' | 'N25V', d: number) => options.loads?.[n] ?? d;
    this.outputs = [
      {
        name: 'P6V',
        vMin: 0,
        vMax: 6.18,
        iMax: 5.15,
        voltage: 0,
        current: 5,
        loadOhms: load('P6V', 10),
      },
      {
        name: 'P25V',
        vMin: 0,
        vMax: 25.75,
        iMax: 1.03,
        voltage: 0,
        current: 1,
        loadOhms: load('P25V', 100),
      },
      {
        name: 'N25V',
        vMin: -25.75,
        vMax: 0,
        iMax: 1.03,
        voltage: 0,
        current: 1,
        loadOhms: load('N25V', 100),
      },
    ];
  }

  /** Output by SCPI name, or the selected one. */
  out(name?: string): Output {
    if (name === undefined || name === '') return this.outputs[this.selected];
    return this.outputs[OUTPUTS.indexOf(parseChoice(name, OUTPUTS))];
  }

  /** Set voltage with the output's limits (MIN/MAX/DEF allowed). */
  setVoltage(o: Output, arg: string | undefined): void {
    const v = parseNumeric(arg, {
      min: o.name === 'N25V' ? o.vMin : 0,
      max: o.name === 'N25V' ? 0 : o.vMax,
      def: 0,
    });
    if (v < o.vMin - 1e-9 || v > o.vMax + 1e-9) throw new ScpiError(-222, 'Data out of range');
    o.voltage = v;
  }

  /** Set the current limit (MIN/MAX/DEF allowed). */
  setCurrent(o: Output, arg: string | undefined): void {
    const i = parseNumeric(arg, { min: 0, max: o.iMax, def: o.name === 'P6V' ? 5 : 1 });
    if (i < 0 || i > o.iMax + 1e-9) throw new ScpiError(-222, 'Data out of range');
    o.current = i;
  }

  /** Measured voltage and current at the load (CV or CC mode), with seeded noise. */
  measure(o: Output): { volts: number; amps: number } {
    if (!this.enabled) return { volts: this.rng.gauss() * 1e-4, amps: this.rng.gauss() * 1e-5 };
    let volts = o.voltage;
    let amps = Math.abs(volts) / o.loadOhms;
    if (amps > o.current) {
      amps = o.current;
      volts = Math.sign(o.voltage) * amps * o.loadOhms;
    }
    return { volts: volts + this.rng.gauss() * 2e-4, amps: amps + this.rng.gauss() * 2e-5 };
  }

  protected override onReset(): void {
    for (const o of this.outputs) {
      o.voltage = 0;
      o.current = o.name === 'P6V' ? 5 : 1;
    }
    this.selected = 0;
    this.enabled = false;
  }
}

const definition: InstrumentDefinition<SimE3631a> = {
  idn: 'HEWLETT-PACKARD,E3631A,0,2.1-5.0-1.0',
  noError: '+0,"No error"',
  commands: [
    {
      pattern: 'INSTrument[:SELect]',
      run: (d, { args }) => {
        d.selected = OUTPUTS.indexOf(parseChoice(args[0], OUTPUTS));
      },
    },
    { pattern: 'INSTrument[:SELect]?', run: (d) => d.outputs[d.selected].name },
    {
      pattern: 'INSTrument:NSELect',
      run: (d, { args }) => {
        const n = Math.round(parseNumeric(args[0], { min: 1, max: 3 }));
        if (n < 1 || n > 3) throw new ScpiError(-222, 'Data out of range');
        d.selected = n - 1;
      },
    },
    { pattern: 'INSTrument:NSELect?', run: (d) => String(d.selected + 1) },
    {
      pattern: 'APPLy',
      run: (d, { args }) => {
        const o = d.out(args[0]);
        if (args[1] !== undefined) d.setVoltage(o, args[1]);
        if (args[2] !== undefined) d.setCurrent(o, args[2]);
      },
    },
    {
      pattern: 'APPLy?',
      run: (d, { args }) => {
        const o = d.out(args[0]);
        return `"${o.voltage.toFixed(6)},${o.current.toFixed(6)}"`;
      },
    },
    {
      pattern: '[SOURce:]VOLTage[:LEVel][:IMMediate][:AMPLitude]',
      run: (d, { args }) => d.setVoltage(d.out(), args[0]),
    },
    {
      pattern: '[SOURce:]VOLTage[:LEVel][:IMMediate][:AMPLitude]?',
      run: (d, { args }) => {
        const o = d.out();
        const a = (args[0] ?? '').toUpperCase();
        if (a.startsWith('MIN')) return formatNr3(o.name === 'N25V' ? o.vMin : 0);
        if (a.startsWith('MAX')) return formatNr3(o.name === 'N25V' ? 0 : o.vMax);
        return formatNr3(o.voltage);
      },
    },
    {
      pattern: '[SOURce:]CURRent[:LEVel][:IMMediate][:AMPLitude]',
      run: (d, { args }) => d.setCurrent(d.out(), args[0]),
    },
    {
      pattern: '[SOURce:]CURRent[:LEVel][:IMMediate][:AMPLitude]?',
      run: (d, { args }) => {
        const o = d.out();
        const a = (args[0] ?? '').toUpperCase();
        if (a.startsWith('MIN')) return formatNr3(0);
        if (a.startsWith('MAX')) return formatNr3(o.iMax);
        return formatNr3(o.current);
      },
    },
    {
      pattern: 'MEASure[:SCALar]:VOLTage[:DC]?',
      run: (d, { args }) => formatNr3(d.measure(d.out(args[0])).volts),
    },
    {
      pattern: 'MEASure[:SCALar]:CURRent[:DC]?',
      run: (d, { args }) => formatNr3(d.measure(d.out(args[0])).amps),
    },
    {
      pattern: 'OUTPut[:STATe]',
      run: (d, { args }) => {
        d.enabled = parseBool(args[0]);
      },
    },
    { pattern: 'OUTPut[:STATe]?', run: (d) => (d.enabled ? '1' : '0') },
    { pattern: 'SYSTem:VERSion?', run: () => '1995.0' },
    { pattern: 'SYSTem:REMote', run: () => undefined },
    { pattern: 'SYSTem:LOCal', run: () => undefined },
    { pattern: 'SYSTem:RWLock', run: () => undefined },
  ],
};

/** HP E3631A factory for the instrument registry. */
export function createHpE3631a(options: E3631aOptions = {}): SimE3631a {
  return new SimE3631a(options);
}
