import { afterEach, describe, expect, it } from 'vitest';
import { HP34401A } from '../../../../worker/gpib/drivers/hp-34401a.js';
import { GpibSession } from '../../../../worker/gpib/devices/gpib-session.js';
import type { Ar488Bridge } from '../../../../worker/gpib/ar488-bridge.js';
import { createHp34401a } from '../../../../worker/sim/instruments/hp-34401a.js';
import { expectedProtocol } from '../../../helpers/expected-protocol.js';
import { callCommand, deviceContext, emulatedBus, refusals } from './gpib-kit.js';

/*
 * HP 34401A transcripts: what the driver sends (left), what the adapter answers (right).
 *
 *   ++addr 22                 ──▶
 *   MEAS:VOLT:DC? 10,0.0001   ──▶
 *   ++read eoi                ──▶
 *                             ◀──  +4.23451000E+00\n
 */
const dmm = (bus: ConstructorParameters<typeof GpibSession>[0]) =>
  new GpibSession(bus, 'bench-t', { primary: 22 });

describe('HP34401A transcripts', () => {
  it('measure_voltage_dc autoranges with MEAS:VOLT:DC? and no parameters', async () => {
    await expectedProtocol(
      [
        { send: '++addr 22' },
        { send: 'MEAS:VOLT:DC?' },
        { send: '++read eoi', reply: '+4.23451000E+00\n' },
      ],
      async (bus) => {
        expect(await callCommand(HP34401A, 'measure_voltage_dc', dmm(bus))).toBe(4.23451);
      },
    );
  });

  it('measure_voltage_dc passes range and resolution, or DEF for an autorange with a resolution', async () => {
    await expectedProtocol(
      [
        { send: '++addr 22' },
        { send: 'MEAS:VOLT:DC? 10,0.0001' },
        { send: '++read eoi', reply: '+4.23451000E+00\n' },
        { send: 'MEAS:VOLT:DC? DEF,0.001' },
        { send: '++read eoi', reply: '+4.23400000E+00\n' },
        { send: 'MEAS:VOLT:DC? 100' },
        { send: '++read eoi', reply: '+4.23000000E+00\n' },
      ],
      async (bus) => {
        const session = dmm(bus);
        const call = (p: object) => callCommand(HP34401A, 'measure_voltage_dc', session, { ...p });
        expect(await call({ range: 10, resolution: 0.0001 })).toBe(4.23451);
        expect(await call({ resolution: 0.001 })).toBe(4.234);
        expect(await call({ range: 100 })).toBe(4.23);
      },
    );
  });

  it('the other functions use their MEASure? headers', async () => {
    const headers: Array<[string, string]> = [
      ['measure_voltage_ac', 'MEAS:VOLT:AC?'],
      ['measure_current_dc', 'MEAS:CURR:DC?'],
      ['measure_current_ac', 'MEAS:CURR:AC?'],
      ['measure_resistance', 'MEAS:RES?'],
      ['measure_resistance_4w', 'MEAS:FRES?'],
      ['measure_frequency', 'MEAS:FREQ?'],
      ['measure_period', 'MEAS:PER?'],
    ];
    await expectedProtocol(
      [
        { send: '++addr 22' },
        ...headers.flatMap(([, h]) => [{ send: h }, { send: '++read eoi', reply: '+1.0E+00\n' }]),
      ],
      async (bus) => {
        for (const [command] of headers) {
          expect(await callCommand(HP34401A, command, dmm(bus))).toBe(1);
        }
      },
    );
  });

  it('display_text sends a quoted string and checks the error queue', async () => {
    await expectedProtocol(
      [
        { send: '++addr 22' },
        { send: 'DISP:TEXT "SAY ""HI"""' },
        { send: 'SYST:ERR?' },
        { send: '++read eoi', reply: '+0,"No error"\n' },
      ],
      async (bus) => {
        expect(await callCommand(HP34401A, 'display_text', dmm(bus), { text: 'SAY "HI"' })).toEqual(
          {
            done: true,
          },
        );
      },
    );
  });

  it('a refused setting is a DEVICE_ERROR quoting the instrument error', async () => {
    await expectedProtocol(
      [
        { send: '++addr 22' },
        { send: 'DISP:TEXT:CLE' },
        { send: 'SYST:ERR?' },
        { send: '++read eoi', reply: '-113,"Undefined header"\n' },
        { send: 'SYST:ERR?' },
        { send: '++read eoi', reply: '+0,"No error"\n' },
      ],
      async (bus) => {
        const error = await callCommand(HP34401A, 'clear_display_text', dmm(bus)).catch(
          (e: unknown) => e,
        );
        expect(error).toMatchObject({ code: 'DEVICE_ERROR' });
        expect((error as Error).message).toMatch(
          /instrument bench-t\/22 reported -113,"Undefined header" \(to DISP:TEXT:CLE\)/,
        );
      },
    );
  });

  it('a reply that is not a number is a DEVICE_ERROR naming the command', async () => {
    await expectedProtocol(
      [{ send: '++addr 22' }, { send: 'MEAS:FREQ?' }, { send: '++read eoi', reply: 'HELLO\n' }],
      async (bus) => {
        await expect(callCommand(HP34401A, 'measure_frequency', dmm(bus))).rejects.toMatchObject({
          code: 'DEVICE_ERROR',
          message: expect.stringMatching(/answered "HELLO": not a number \(to MEAS:FREQ\?\)/),
        });
      },
    );
  });

  it('the function attribute maps FUNC? replies to names and back', async () => {
    await expectedProtocol(
      [
        { send: '++addr 22' },
        { send: 'FUNC "VOLT:AC"' },
        { send: 'SYST:ERR?' },
        { send: '++read eoi', reply: '+0,"No error"\n' },
        { send: 'FUNC?' },
        { send: '++read eoi', reply: '"VOLT:AC"\n' },
      ],
      async (bus) => {
        const attr = HP34401A.attributes!.function;
        const ctx = deviceContext(HP34401A, dmm(bus));
        await attr.set!(ctx, 'ac_voltage');
        expect(await attr.get(ctx)).toBe('ac_voltage');
      },
    );
  });

  it('refuses a range beyond 1000 V and an empty resolution', () => {
    expect(refusals(HP34401A, 'measure_voltage_dc', { range: 2000 })).toEqual([
      { path: 'range', message: expect.stringMatching(/<=1000/) },
    ]);
    expect(refusals(HP34401A, 'measure_voltage_dc', { resolution: 0 })).toHaveLength(1);
    expect(refusals(HP34401A, 'display_text', { text: 'THIRTEEN CHAR' })).toHaveLength(1);
  });
});

describe('HP34401A against the emulated bus', () => {
  const bridges: Ar488Bridge[] = [];
  afterEach(async () => {
    for (const b of bridges.splice(0)) await b.disconnect();
  });

  it('reads the simulated inputs of every function', async () => {
    const lab = await emulatedBus([{ address: 22, device: createHp34401a({ seed: 22 }) }]);
    bridges.push(lab.bridge);
    const session = lab.session(22);
    const read = (command: string, params = {}) =>
      callCommand(HP34401A, command, session, params) as Promise<number>;
    // The simulator's inputs (worker/sim/instruments/hp-34401a.ts DMM_FUNCTIONS), ± a few ppm.
    expect(await read('measure_voltage_dc')).toBeCloseTo(4.23451, 3);
    expect(await read('measure_voltage_dc', { range: 10, resolution: 1e-5 })).toBeCloseTo(
      4.23451,
      3,
    );
    expect(await read('measure_voltage_ac')).toBeCloseTo(1.20312, 3);
    expect(await read('measure_current_dc')).toBeCloseTo(0.0123456, 5);
    expect(await read('measure_resistance')).toBeCloseTo(998.765, 1);
    expect(await read('measure_resistance_4w')).toBeCloseTo(998.512, 1);
    expect(await read('measure_frequency')).toBeCloseTo(1000.0123, 1);
    // The simulator's noise is a ppm of its 10 s default range: 10 µs.
    expect(await read('measure_period')).toBeCloseTo(0.000999988, 4);
    // MEAS:PER? left the meter on the period function.
    const ctx = deviceContext(HP34401A, session);
    expect(await HP34401A.attributes!.function.get(ctx)).toBe('period');
    await HP34401A.attributes!.function.set!(ctx, 'dc_voltage');
    expect(await HP34401A.attributes!.function.get(ctx)).toBe('dc_voltage');
    expect(await callCommand(HP34401A, 'display_text', session, { text: 'LABRELAY' })).toEqual({
      done: true,
    });
  });
});
