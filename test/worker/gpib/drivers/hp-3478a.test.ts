import { afterEach, describe, expect, it } from 'vitest';
import { decodeStatus, HP3478A } from '../../../../worker/gpib/drivers/hp-3478a.js';
import { GpibSession } from '../../../../worker/gpib/devices/gpib-session.js';
import type { Ar488Bridge } from '../../../../worker/gpib/ar488-bridge.js';
import type { BusOperations } from '../../../../worker/gpib/bus-operations.js';
import { createHp3478a } from '../../../../worker/sim/instruments/hp-3478a.js';
import { expectedProtocol } from '../../../helpers/expected-protocol.js';
import { callCommand, emulatedBus, refusals } from './gpib-kit.js';

/*
 * HP 3478A transcripts: single-letter program codes, no SCPI, no error queue.
 *
 *   ++addr 23     ──▶
 *   F1R1N4T3      ──▶   DCV, 30 V range, 4½ digits, single trigger
 *   ++read eoi    ──▶
 *                 ◀──   +4.2345E+0\r\n
 */
const meter = (bus: BusOperations) => new GpibSession(bus, 'bench-t', { primary: 23 });

describe('HP3478A transcripts', () => {
  it('measure_voltage_dc autoranges (RA) and takes one triggered reading (T3)', async () => {
    await expectedProtocol(
      [{ send: '++addr 23' }, { send: 'F1RAT3' }, { send: '++read eoi', reply: '+4.23451E+0\r\n' }],
      async (bus) => {
        expect(await callCommand(HP3478A, 'measure_voltage_dc', meter(bus))).toBe(4.23451);
      },
    );
  });

  it('picks the smallest range holding the value, and N for digits', async () => {
    await expectedProtocol(
      [
        { send: '++addr 23' },
        { send: 'F1R1N4T3' },
        { send: '++read eoi', reply: '+4.2345E+0\r\n' },
        { send: 'F3R3T3' },
        { send: '++read eoi', reply: '+998.77E+0\r\n' },
        { send: 'F5R-1N3T3' },
        { send: '++read eoi', reply: '+12.35E-3\r\n' },
        { send: 'F2R-1T3' },
        { send: '++read eoi', reply: '+0.12031E+0\r\n' },
        { send: 'F7T3' },
        { send: '++read eoi', reply: '+12.345E+6\r\n' },
      ],
      async (bus) => {
        const session = meter(bus);
        const call = (command: string, params: object) =>
          callCommand(HP3478A, command, session, { ...params });
        expect(await call('measure_voltage_dc', { range: 10, digits: 4 })).toBe(4.2345);
        expect(await call('measure_resistance', { range: 1000 })).toBe(998.77);
        expect(await call('measure_current_dc', { range: 0.3, digits: 3 })).toBe(0.01235);
        expect(await call('measure_voltage_ac', { range: 0.1 })).toBe(0.12031);
        expect(await call('measure_resistance_extended', {})).toBe(12.345e6);
      },
    );
  });

  it('display_text and display_normal send D2/D1 without an error-queue query', async () => {
    await expectedProtocol(
      [{ send: '++addr 23' }, { send: 'D2HELLO LAB' }, { send: 'D1' }, { send: 'Z0' }],
      async (bus) => {
        const session = meter(bus);
        expect(await callCommand(HP3478A, 'display_text', session, { text: 'HELLO LAB' })).toEqual({
          done: true,
        });
        await callCommand(HP3478A, 'display_normal', session);
        await callCommand(HP3478A, 'set_autozero', session, { enabled: false });
      },
    );
  });

  it('read_status decodes the five binary status bytes of B', async () => {
    // DCV (1<<5), range field 3 = 3 V (<<2), 5½ digits (1); int. trigger, autorange, autozero, front.
    const bytes = Buffer.from([0x20 | (3 << 2) | 1, 0x17, 0x00, 0x01, 0x80]);
    await expectedProtocol(
      [{ send: '++addr 23' }, { send: 'B' }, { send: '++read eoi', reply: bytes }],
      async (bus) => {
        expect(await callCommand(HP3478A, 'read_status', meter(bus))).toEqual({
          function: 'dc_voltage',
          range: 3,
          digits: 5,
          internal_trigger: true,
          autorange: true,
          autozero: true,
          line_50hz: false,
          front_terminals: true,
          cal_ram_enabled: false,
          external_trigger: false,
          srq_mask: 0,
          errors: ['calibration RAM checksum'],
        });
      },
    );
  });

  it('decodes the range field per function: 30 mV DCV, 30 Ω, 300 mA, 3 A', () => {
    const range = (fn: number, field: number) =>
      decodeStatus(Uint8Array.from([(fn << 5) | (field << 2) | 1, 0, 0, 0, 0]))?.range;
    expect(range(1, 1)).toBeCloseTo(0.03);
    expect(range(3, 1)).toBe(30);
    expect(range(3, 7)).toBe(30e6);
    expect(range(5, 1)).toBeCloseTo(0.3);
    expect(range(6, 2)).toBeCloseTo(3);
    expect(decodeStatus(new Uint8Array(5))).toBeNull();
  });

  it('refuses digits other than 3–5, ranges beyond 300 V, and lower-case display text', () => {
    expect(refusals(HP3478A, 'measure_voltage_dc', { digits: 6 })).toHaveLength(1);
    expect(refusals(HP3478A, 'measure_voltage_dc', { range: 301 })).toHaveLength(1);
    expect(refusals(HP3478A, 'display_text', { text: 'hello' })).toEqual([
      { path: 'text', message: 'upper-case letters, digits, space and punctuation only' },
    ]);
  });
});

describe('HP3478A against the emulated bus', () => {
  const bridges: Ar488Bridge[] = [];
  afterEach(async () => {
    for (const b of bridges.splice(0)) await b.disconnect();
  });

  it('reads the simulated inputs and reports the state it left', async () => {
    const sim = createHp3478a({ seed: 23 });
    const lab = await emulatedBus([{ address: 23, device: sim }]);
    bridges.push(lab.bridge);
    const session = lab.session(23);
    const call = (command: string, params = {}) => callCommand(HP3478A, command, session, params);
    // The simulator's inputs (worker/sim/instruments/hp-3478a.ts INPUTS), ± a few ppm.
    expect(await call('measure_resistance')).toBeCloseTo(998.765, 1);
    expect(await call('measure_current_dc')).toBeCloseTo(0.0123456, 5);
    expect(await call('measure_voltage_dc', { range: 10, digits: 4 })).toBeCloseTo(4.2345, 3);
    expect(await call('read_status')).toMatchObject({
      function: 'dc_voltage',
      range: 30,
      digits: 4,
      autorange: false,
      autozero: true,
      internal_trigger: false,
      errors: [],
    });
    await call('display_text', { text: 'LABRELAY' });
    await lab.emulator.idle();
    expect(sim.display).toBe('LABRELAY');
    await call('display_normal');
    await lab.emulator.idle();
    expect(sim.display).toBe('');
  });
});
