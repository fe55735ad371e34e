import {
  DEFER,
  type CommandEntry,
  Ieee488Device,
  type InstrumentDefinition,
  parseChoice,
  parseNumeric,
  ScpiError,
  type SimInstrumentOptions,
  formatNr3,
} from './ieee488-device.js';

/** A DMM measurement function and the value the simulated input carries. */
export interface DmmFunction {
  /** SCPI function name as `FUNCtion?`/`CONFigure?` report it, e.g. `VOLT:AC`. */
  scpi: string;
  /** Default range for `CONFigure?`. */
  range: number;
  /** Default resolution for `CONFigure?`. */
  resolution: number;
  /** Simulated true input value. */
  value: number;
}

/** The simulated inputs of a DMM, one per function; readings add seeded noise. */
export const DMM_FUNCTIONS: Record<string, DmmFunction> = {
  VOLT: { scpi: 'VOLT', range: 10, resolution: 3e-6, value: 4.23451 },
  'VOLT:AC': { scpi: 'VOLT:AC', range: 10, resolution: 1e-5, value: 1.20312 },
  CURR: { scpi: 'CURR', range: 1, resolution: 1e-6, value: 0.0123456 },
  'CURR:AC': { scpi: 'CURR:AC', range: 1, resolution: 1e-5, value: 0.00834 },
  RES: { scpi: 'RES', range: 1e3, resolution: 3e-4, value: 998.765 },
  FRES: { scpi: 'FRES', range: 1e3, resolution: 3e-4, value: 998.512 },
  FREQ: { scpi: 'FREQ', range: 10, resolution: 3e-6, value: 1000.0123 },
  PER: { scpi: 'PER', range: 10, resolution: 3e-6, value: 0.000999988 },
};

/** Options for simulated DMMs. */
export interface DmmOptions extends SimInstrumentOptions {
  /** Override simulated input values, keyed by function (`VOLT`, `VOLT:AC`, `RES` …). */
  inputs?: Partial<Record<string, number>>;
}

const TRIGGER_SOURCES = ['BUS', 'IMMediate', 'EXTernal'];

/**
 * The measurement core shared by the SCPI DMMs (34401A, Keithley 2000): CONFigure/MEASure/READ?/
 * INITiate/FETCh?, TRIGger:SOURce BUS|IMM with *TRG/GET, readings with seeded gaussian noise.
 */
export class SimDmm extends Ieee488Device<SimDmm> {
  /** Selected function key into DMM_FUNCTIONS. */
  fn = 'VOLT';
  range = DMM_FUNCTIONS.VOLT.range;
  resolution = DMM_FUNCTIONS.VOLT.resolution;
  triggerSource = 'IMM';
  displayText = '';
  private readings: number[] = [];
  private armed = false;
  private readonly inputs: Record<string, number>;

  constructor(definition: InstrumentDefinition<SimDmm>, options: DmmOptions = {}) {
    super(definition, options);
    this.inputs = Object.fromEntries(
      Object.entries(DMM_FUNCTIONS).map(([k, f]) => [k, options.inputs?.[k] ?? f.value]),
    );
  }

  /** One reading of the selected function: true value plus noise of a few ppm of range. */
  reading(): number {
    const value = this.inputs[this.fn];
    const sigma = Math.abs(value) * 2e-6 + this.range * 1e-6;
    return value + this.rng.gauss() * sigma;
  }

  /** Select a function (`CONFigure`, `MEASure?`, `FUNCtion`) with optional range/resolution. */
  configure(fn: string, args: string[]): void {
    const f = DMM_FUNCTIONS[fn];
    this.fn = fn;
    this.range =
      args[0] && !/^AUTO$/i.test(args[0])
        ? parseNumeric(args[0], { min: 0, max: 1e9, def: f.range })
        : f.range;
    this.resolution = args[1]
      ? parseNumeric(args[1], { min: 0, max: 1, def: f.resolution })
      : f.resolution;
    this.readings = [];
    this.armed = false;
  }

  /** `INITiate`: take a reading now, or arm and wait for *TRG/GET with TRIG:SOUR BUS. */
  initiate(): void {
    this.readings = [];
    if (this.triggerSource === 'IMM') this.readings.push(this.reading());
    else this.armed = true;
  }

  /** `FETCh?`: the stored readings; waits (DEFER) while armed; -230 when none. */
  fetch(): string | typeof DEFER {
    if (this.readings.length > 0) return this.readings.map((r) => formatNr3(r)).join(',');
    if (this.armed) return DEFER;
    throw new ScpiError(-230, 'Data stale');
  }

  protected override onTrigger(): void {
    if (!this.armed) return;
    this.armed = false;
    this.readings = [this.reading()];
    if (this.awaitingDeferred) this.deliver(formatNr3(this.readings[0]));
  }

  protected override onReset(): void {
    this.configure('VOLT', []);
    this.triggerSource = 'IMM';
    this.displayText = '';
  }
}

/** MEASure?/CONFigure/FUNCtion commands for every DMM function, with 34401A header spellings. */
export function dmmCommands(functionNames: Record<string, string>): CommandEntry<SimDmm>[] {
  const entries: CommandEntry<SimDmm>[] = [];
  for (const [header, fn] of Object.entries(functionNames)) {
    entries.push({
      pattern: `MEASure:${header}?`,
      run: (d, { args }) => {
        d.configure(fn, args);
        return formatNr3(d.reading());
      },
    });
    entries.push({ pattern: `CONFigure:${header}`, run: (d, { args }) => d.configure(fn, args) });
  }
  const longToShort: Record<string, string> = {
    VOLTAGE: 'VOLT',
    CURRENT: 'CURR',
    RESISTANCE: 'RES',
    FRESISTANCE: 'FRES',
    FREQUENCY: 'FREQ',
    PERIOD: 'PER',
  };
  const byName = (arg: string | undefined): string => {
    const nodes = (arg ?? '').replace(/["']/g, '').trim().toUpperCase().split(':');
    const key = nodes
      .map((n) => longToShort[n] ?? n)
      .filter((n) => n !== 'DC')
      .join(':');
    if (!(key in DMM_FUNCTIONS)) throw new ScpiError(-224, 'Illegal parameter value');
    return key;
  };
  entries.push(
    { pattern: '[SENSe:]FUNCtion', run: (d, { args }) => d.configure(byName(args[0]), []) },
    { pattern: 'READ?', run: (d) => (d.initiate(), d.fetch()) },
    { pattern: 'INITiate[:IMMediate]', run: (d) => d.initiate() },
    { pattern: 'FETCh?', run: (d) => d.fetch() },
    {
      pattern: 'TRIGger:SOURce',
      run: (d, { args }) => {
        d.triggerSource = parseChoice(args[0], TRIGGER_SOURCES);
      },
    },
    { pattern: 'TRIGger:SOURce?', run: (d) => d.triggerSource },
  );
  return entries;
}

/** Header spellings of the functions in MEASure/CONFigure (34401A manual ch. 4). */
export const DMM_HEADERS: Record<string, string> = {
  'VOLTage[:DC]': 'VOLT',
  'VOLTage:AC': 'VOLT:AC',
  'CURRent[:DC]': 'CURR',
  'CURRent:AC': 'CURR:AC',
  RESistance: 'RES',
  FRESistance: 'FRES',
  FREQuency: 'FREQ',
  PERiod: 'PER',
};

/**
 * HP 34401A 6½-digit DMM (`HEWLETT-PACKARD,34401A,0,<rev>`; the original reports serial 0,
 * reference §3.4). Readings print as `+4.23451000E+00`.
 */
export function createHp34401a(options: DmmOptions = {}): SimDmm {
  const definition: InstrumentDefinition<SimDmm> = {
    idn: 'HEWLETT-PACKARD,34401A,0,11-5-2',
    noError: '+0,"No error"',
    commands: [
      ...dmmCommands(DMM_HEADERS),
      { pattern: '[SENSe:]FUNCtion?', run: (d) => `"${DMM_FUNCTIONS[d.fn].scpi}"` },
      {
        pattern: 'CONFigure?',
        run: (d) =>
          `"${DMM_FUNCTIONS[d.fn].scpi} ${formatNr3(d.range, 6)},${formatNr3(d.resolution, 6)}"`,
      },
      { pattern: 'SYSTem:VERSion?', run: () => '1992.0' },
      {
        pattern: 'DISPlay:TEXT[:DATA]',
        run: (d, { args }) => {
          d.displayText = (args[0] ?? '').replace(/^"|"$/g, '').slice(0, 12);
        },
      },
      { pattern: 'DISPlay:TEXT[:DATA]?', run: (d) => `"${d.displayText}"` },
      { pattern: 'DISPlay:TEXT:CLEar', run: (d) => void (d.displayText = '') },
      { pattern: 'SYSTem:REMote', run: () => undefined },
      { pattern: 'SYSTem:LOCal', run: () => undefined },
    ],
  };
  return new SimDmm(definition, options);
}
