import { describe, expect, it } from 'vitest';
import { parseInstrumentSpec } from '../../worker/sim/ar488/instrument-spec.js';
import { GpibBus } from '../../worker/sim/gpib-bus.js';
import { SimHp3478a } from '../../worker/sim/instruments/hp-3478a.js';
import { createHp34401a } from '../../worker/sim/instruments/hp-34401a.js';
import { SimE3631a } from '../../worker/sim/instruments/hp-e3631a.js';
import {
  Ieee488Device,
  type SimInstrument,
  compileHeader,
  formatNr3,
} from '../../worker/sim/instruments/ieee488-device.js';
import {
  INSTRUMENT_MODELS,
  createInstrument,
  resolveModel,
} from '../../worker/sim/instruments/index.js';
import { createKeithley2000 } from '../../worker/sim/instruments/keithley-2000.js';
import { SimTekScope } from '../../worker/sim/instruments/tek-scope.js';

/*
 * Instruments on a bare simulated bus, as the adapter would drive them:
 *   LAD n, data + END, UNL ─── then ─── TAD n, read bytes until END, UNT
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function bench(device: SimInstrument, pad = 9) {
  const bus = new GpibBus();
  bus.attach(device, pad);
  bus.setRen(true);
  const write = (text: string | Buffer) => {
    bus.listen({ pad });
    bus.write(typeof text === 'string' ? Buffer.from(`${text}\n`, 'latin1') : text, true);
    bus.unlisten();
  };
  /** Read until END or `timeoutMs` without a byte. */
  const read = async (timeoutMs = 100): Promise<Buffer> => {
    bus.talk({ pad });
    const out: number[] = [];
    for (;;) {
      const b = await bus.readByte(timeoutMs);
      if (!b) break;
      out.push(b.byte);
      if (b.end) break;
    }
    bus.untalk();
    return Buffer.from(out);
  };
  const ask = async (text: string) => {
    write(text);
    return (await read()).toString('latin1');
  };
  return { bus, write, read, ask };
}

describe('IEEE 488.2 status model (§3.4)', () => {
  it('*ESR? reads and clears; PON at power-on; *ESE/*SRE round trip', async () => {
    const { ask } = bench(createHp34401a());
    expect(await ask('*ESR?')).toBe('128\n');
    expect(await ask('*ESR?')).toBe('0\n');
    expect(await ask('*ESE 60;*ESE?')).toBe('60\n');
    expect(await ask('*SRE 48;*SRE?')).toBe('48\n');
    expect(await ask('*OPC;*ESR?')).toBe('1\n');
    expect(await ask('*OPC?')).toBe('1\n');
    expect(await ask('*TST?')).toBe('+0\n');
  });

  it('RQS: SRQ while requested; *STB? keeps it, serial poll returns and clears it', async () => {
    const { bus, write, ask } = bench(createHp34401a());
    write('*CLS;*ESE 1;*SRE 32;*OPC');
    expect(bus.srq).toBe(true);
    expect(await ask('*STB?')).toBe('96\n'); // ESB + MSS; reading it does not clear RQS
    expect(bus.srq).toBe(true);
    expect(bus.serialPoll({ pad: 9 })).toBe(64 | 32);
    expect(bus.srq).toBe(false);
    expect(bus.serialPoll({ pad: 9 })).toBe(32); // condition stays, no new request
    expect(await ask('*ESR?')).toBe('1\n');
    expect(await ask('*STB?')).toBe('0\n');
  });

  it('a new message before the reply is read interrupts the query (-410); MAV drops SRQ', async () => {
    const { bus, write, ask } = bench(createHp34401a());
    write('*SRE 16;*IDN?');
    // The reply is formatted a moment later; MAV then raises SRQ.
    await expect.poll(() => bus.srq).toBe(true);
    write('*ESE 0');
    expect(bus.srq).toBe(false);
    expect(await ask('SYST:ERR?')).toBe('-410,"Query INTERRUPTED"\n');
  });

  it('error queue: -113, -420, -222 set their ESR bits; *CLS empties it', async () => {
    const dev = createHp34401a();
    const { bus, write, read, ask } = bench(dev);
    write('BOGUS:CMD');
    expect((await read(20)).length).toBe(0); // addressed to talk with nothing: -420
    expect(dev.errorQueue.map(([c]) => c)).toEqual([-113, -420]);
    expect(Number(await ask('*ESR?')) & (32 | 4)).toBe(36);
    expect(await ask('SYST:ERR?')).toBe('-113,"Undefined header"\n');
    expect(await ask('SYST:ERR?')).toBe('-420,"Query UNTERMINATED"\n');
    expect(await ask('SYST:ERR?')).toBe('+0,"No error"\n');
    write('FOO');
    write('*CLS');
    expect(dev.errorQueue).toHaveLength(0);
    void bus;
  });

  it('NL inside a definite-length block does not end the message', async () => {
    const scope = new SimTekScope();
    const { write } = bench(scope);
    const data = Buffer.from([1, 10, 13, 10, 2]);
    write(Buffer.concat([Buffer.from('CURVE #15'), data, Buffer.from('\n')]));
    expect(scope.uploaded).toEqual(data);
    expect(scope.errorQueue).toHaveLength(0);
  });

  it('response time: the reply is not there before it, and is after', async () => {
    const { write, read } = bench(createHp34401a({ responseTimeMs: 60 }));
    write('*IDN?');
    expect((await read(20)).length).toBe(0);
    await sleep(60);
    expect((await read(20)).toString()).toBe('HEWLETT-PACKARD,34401A,0,11-5-2\n');
  });

  it('SCPI header patterns: short/long forms, optional nodes', () => {
    const h = compileHeader('[SOURce:]VOLTage[:LEVel][:IMMediate][:AMPLitude]?');
    expect(h.query).toBe(true);
    expect(h.nodes.map((n) => [n.short, n.optional])).toEqual([
      ['SOUR', true],
      ['VOLT', false],
      ['LEV', true],
      ['IMM', true],
      ['AMPL', true],
    ]);
    expect(formatNr3(4.23451)).toBe('+4.23451000E+00');
    expect(formatNr3(-0.00123)).toBe('-1.23000000E-03');
  });
});

describe('HP 34401A', () => {
  it('identity, measurement format, seeded noise', async () => {
    const a = bench(createHp34401a({ seed: 11 }));
    const b = bench(createHp34401a({ seed: 11 }));
    const c = bench(createHp34401a({ seed: 12 }));
    expect(await a.ask('*IDN?')).toBe('HEWLETT-PACKARD,34401A,0,11-5-2\n');
    const ra = await a.ask('MEAS:VOLT:DC?');
    expect(ra).toMatch(/^\+4\.234\d{5}E\+00\n$/);
    expect(await b.ask('meas:volt:dc? 10,0.001')).toBe(ra);
    expect(await c.ask('MEASure:VOLTage:DC?')).not.toBe(ra);
    expect(await a.ask('MEAS:RES?')).toMatch(/^\+9\.98\d{6}E\+02\n$/);
    expect(await a.ask('MEAS:FREQ?')).toMatch(/^\+1\.000\d{5}E\+03\n$/);
  });

  it('CONF/READ?/CONF?, FUNC, and TRIG:SOUR BUS with *TRG or GET', async () => {
    const { bus, write, read, ask } = bench(createHp34401a());
    expect(await ask('CONF:VOLT:AC;READ?')).toMatch(/^\+1\.203\d{5}E\+00\n$/);
    expect(await ask('CONF?')).toBe('"VOLT:AC +1.000000E+01,+1.000000E-05"\n');
    expect(await ask('FUNC "CURR:DC";FUNC?')).toBe('"CURR"\n');
    expect(await ask('FETC?')).toBe('');
    expect(await ask('SYST:ERR?')).toBe('-230,"Data stale"\n');
    write('TRIG:SOUR BUS;INIT;FETC?');
    expect((await read(20)).length).toBe(0); // waiting for the trigger, not an error
    bus.listen({ pad: 9 });
    bus.groupExecuteTrigger();
    bus.unlisten();
    expect((await read()).toString()).toMatch(/^\+1\.234\d{5}E-02\n$/);
    expect(await ask('INIT;*TRG;FETC?')).toMatch(/E-02\n$/);
    expect(await ask('TRIG:SOUR?')).toBe('BUS\n');
  });
});

describe('HP E3631A', () => {
  it('APPL, INST:SEL/NSEL, OUTP, MEAS with a resistive load', async () => {
    const { ask } = bench(new SimE3631a());
    expect(await ask('*IDN?')).toBe('HEWLETT-PACKARD,E3631A,0,2.1-5.0-1.0\n');
    await ask('APPL P6V,5.0,1.0');
    expect(await ask('APPL? P6V')).toBe('"5.000000,1.000000"\n');
    expect(await ask('INST:SEL P25V;INST:NSEL?')).toBe('2\n');
    expect(await ask('INST?')).toBe('P25V\n');
    expect(await ask('MEAS:VOLT? P6V')).toMatch(/^[+-]0\.000\d+E-0\d\n$|^[+-]\d\.\d+E-0\d\n$/); // output off
    await ask('OUTP ON');
    expect(await ask('OUTP?')).toBe('1\n');
    expect(Number(await ask('MEAS:VOLT? P6V'))).toBeCloseTo(5, 2);
    expect(Number(await ask('MEAS:CURR? P6V'))).toBeCloseTo(0.5, 2); // 5 V into 10 Ω
    await ask('APPL P6V,5,0.2');
    expect(Number(await ask('MEAS:CURR? P6V'))).toBeCloseTo(0.2, 2); // current limited
    expect(Number(await ask('MEAS:VOLT? P6V'))).toBeCloseTo(2, 2);
  });

  it('limits per output raise -222 Data out of range', async () => {
    const dev = new SimE3631a();
    const { write, ask } = bench(dev);
    write('INST P6V;VOLT 6.18;VOLT 6.2');
    write('INST P25V;VOLT 25.75;CURR 1.03;CURR 1.1');
    write('INST N25V;VOLT -25.75;VOLT 1');
    expect(dev.errorQueue).toEqual([
      [-222, 'Data out of range'],
      [-222, 'Data out of range'],
      [-222, 'Data out of range'],
    ]);
    expect(await ask('VOLT?')).toBe('-2.57500000E+01\n');
    expect(await ask('INST P6V;VOLT? MAX')).toBe('+6.18000000E+00\n');
  });
});

describe('Keithley 2000', () => {
  it('identity, FUNC with quotes, MEAS, errors in Keithley format', async () => {
    const dev = createKeithley2000({ seed: 3 });
    const { ask } = bench(dev);
    expect(await ask('*IDN?')).toMatch(
      /^KEITHLEY INSTRUMENTS INC\.,MODEL 2000,\d{7},A20 {2}\/A02\n$/,
    );
    expect(await ask(":FUNC 'VOLT:AC';:FUNC?")).toBe('"VOLT:AC"\n');
    expect(await ask(':MEAS:VOLT:DC?')).toMatch(/^\+4\.234\d{5}E\+00\n$/);
    expect(await ask(':FUNC?')).toBe('"VOLT:DC"\n');
    expect(await ask(':SENS:VOLT:DC:NPLC 0.1;:SENS:VOLT:DC:NPLC?')).toBe('+1.00000000E-01\n');
    expect(await ask('SYST:ERR?')).toBe('0,"No error"\n');
    await ask(':SENS:VOLT:DC:NPLC 20');
    expect(await ask('SYST:ERR?')).toBe('-222,"Parameter data out of range"\n');
  });
});

describe('HP 3478A', () => {
  it('readings per N3/N4/N5, B status bytes, E register', async () => {
    const dev = new SimHp3478a({ seed: 2 });
    const { write, read, ask } = bench(dev);
    write('F1RAN5T1Z1');
    expect((await read()).toString()).toMatch(/^\+4\.23\d{3}E\+0\r\n$/);
    expect(await ask('N3')).toMatch(/^\+4\.23\dE\+0\r\n$/);
    const b = await ask('B');
    expect(b.length).toBe(5);
    expect(b.charCodeAt(0) >> 5).toBe(1); // F1
    expect(b.charCodeAt(0) & 3).toBe(3); // N3 → 6 − 3
    expect(await ask('E')).toBe('00\r\n');
    expect(await ask('F3R3')).toMatch(/^\+9\.98\dE\+2\r\n$/);
  });

  it('no *IDN?: syntax error bit 4 in the serial-poll byte, RQS with M04', async () => {
    const dev = new SimHp3478a();
    const { bus, write } = bench(dev);
    expect(bus.serialPoll({ pad: 9 })).toBe(128); // power-on bit, then cleared
    write('M04');
    write('*IDN?');
    expect(bus.srq).toBe(true);
    expect(bus.serialPoll({ pad: 9 })).toBe(64 | 4);
    expect(bus.srq).toBe(false);
  });

  it('W takes a raw address byte, even LF: replies 64 + cal nibble', async () => {
    const dev = new SimHp3478a({ seed: 5 });
    const { write, read } = bench(dev);
    for (const addr of [10, 13, 27, 43, 255]) {
      write(Buffer.from([0x57, addr]));
      const r = await read();
      expect([...r]).toEqual([64 + dev.calRam[addr]]);
    }
    write('D2HELLO WORLD 123');
    expect(dev.display).toBe('HELLO WORLD ');
  });
});

describe('Tektronix scope', () => {
  it('identity, preamble, encodings and widths', async () => {
    const scope = new SimTekScope({ seed: 4 });
    const { write, read, ask } = bench(scope);
    expect(await ask('*IDN?')).toMatch(/^TEKTRONIX,TDS 2024B,C0\d{5},CF:91\.1CT FV:v22\.11\n$/);
    const pre = (await ask('WFMPre?')).trim().split(';');
    expect(pre).toHaveLength(16);
    expect(pre.slice(0, 6)).toEqual(['1', '8', 'BIN', 'RI', 'MSB', '2500']);
    expect(pre.slice(8)).toEqual([
      '2.0E-6',
      '0',
      '-2.5E-3',
      '"s"',
      '4.0E-2',
      '0.0E0',
      '0.0E0',
      '"Volts"',
    ]);
    expect(await ask('WFMP:YMU?')).toBe('4.0E-2\n');
    expect(await ask('DAT:ENC?')).toBe('RIBINARY\n');
    write('DATA:WIDTH 2;CURVE?');
    const wide = await read();
    expect(wide.subarray(0, 6).toString()).toBe('#45000');
    expect(wide.length).toBe(5007);
    expect(await ask('DAT:ENC ASCI;DAT:WID 1;DAT:STAR 1;DAT:STOP 3;CURV?')).toMatch(
      /^-?\d+,-?\d+,-?\d+\n$/,
    );
    expect(await ask('DAT:SOU CH2;DAT:SOU?')).toBe('CH2\n');
    expect(await ask('HEAD ON;DAT:SOU?')).toBe(':DATA:SOURCE CH2\n');
  });

  it('every channel carries 0x0A and 0x0D in RIBinary width 1', () => {
    const scope = new SimTekScope({ seed: 9 });
    for (const ch of ['CH1', 'CH2', 'CH3']) {
      scope.source = ch;
      const block = scope.curveData();
      expect(block.includes(0x0a), ch).toBe(true);
      expect(block.includes(0x0d), ch).toBe(true);
    }
  });

  it('late EOI alone does not end a message unless the instrument accepts it', () => {
    const strict = new SimTekScope();
    strict.listen(Buffer.from('*CLS'), false);
    strict.lateEoi();
    expect(strict.messages).toHaveLength(0);
    const lenient = new SimTekScope({ acceptLateEoi: true });
    lenient.listen(Buffer.from('*CLS'), false);
    lenient.lateEoi();
    expect(lenient.messages.map(String)).toEqual(['*CLS']);
  });
});

describe('registry and instrument specs', () => {
  it('every model builds; aliases resolve; unknown names are explained', () => {
    for (const name of Object.keys(INSTRUMENT_MODELS)) expect(createInstrument(name)).toBeDefined();
    expect(resolveModel('E3631A')).toBe('hp-e3631a');
    expect(() => createInstrument('hp9999')).toThrow(
      /unknown instrument model "hp9999"; known: hp34401a/,
    );
  });

  it('parseInstrumentSpec', () => {
    const list = parseInstrumentSpec(
      '22=hp34401a, 5=hp-e3631a,7:96=hp3478a;seed=4;responseTimeMs=20,1=tek-scope',
    );
    expect(list.map((e) => [e.address, e.secondary])).toEqual([
      [22, undefined],
      [5, undefined],
      [7, 0],
      [1, undefined],
    ]);
    expect(list[0].device).toBeInstanceOf(Ieee488Device);
    expect(list[2].device).toBeInstanceOf(SimHp3478a);
  });

  it.each([
    ['', /empty/],
    ['22', /expected PAD\[:SAD\]=model/],
    ['31=hp34401a', /out of range 1–30/],
    ['0=hp34401a', /out of range 1–30/],
    ['5:50=hp34401a', /secondary address 50/],
    ['5=hp34401a,5=tek-scope', /used twice/],
    [
      '5=nope',
      /unknown model "nope"; known: hp34401a, hp-e3631a, keithley2000, hp3478a, tek-scope/,
    ],
    ['5=hp34401a;speed=3', /bad option "speed=3"/],
    ['5=hp34401a;seed=x', /option seed needs a number/],
  ])('rejects %j', (spec, message) => {
    expect(() => parseInstrumentSpec(spec)).toThrow(message);
  });
});
