import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  scaleToVolts,
  splitPreamble,
  TDS2024B,
} from '../../../../worker/gpib/drivers/tek-scope.js';
import { decodeNpy } from '../../../../worker/artifacts/npy.js';
import { GpibSession } from '../../../../worker/gpib/devices/gpib-session.js';
import type { Ar488Bridge } from '../../../../worker/gpib/ar488-bridge.js';
import type { BusOperations } from '../../../../worker/gpib/bus-operations.js';
import { createTekScope } from '../../../../worker/sim/instruments/tek-scope.js';
import { expectedProtocol } from '../../../helpers/expected-protocol.js';
import { callCommand, emulatedBus, refusals } from './gpib-kit.js';

/*
 * acquire_waveform: set up the transfer, read the preamble, read the curve block.
 *
 *   ++addr 1                                     ──▶
 *   HEAD OFF;:DAT:SOU CH2;…;:DAT:STOP 2500       ──▶
 *   WFMP?                                        ──▶
 *   ++read eoi                                   ──▶
 *                                                ◀──  1;8;BIN;RI;MSB;4;"Ch2, …";Y;2.0E-6;…\n
 *   CURV?                                        ──▶
 *   ++read eoi                                   ──▶
 *                                                ◀──  #14<4 bytes, one of them 0x0A>\n
 */
const scope = (bus: BusOperations) => new GpibSession(bus, 'bench-t', { primary: 1 });
const SETUP = (ch: number) =>
  `HEAD OFF;:DAT:SOU CH${ch};:DAT:ENC RIB;:DAT:WID 1;:DAT:STAR 1;:DAT:STOP 2500`;
const WFID = '"Ch2, DC coupling, 1.0E0 V/div, 5.0E-4 s/div, 2500 points, Sample mode"';
const preamble = (points: number) =>
  `1;8;BIN;RI;MSB;${points};${WFID};Y;2.0E-6;0;-2.5E-3;"s";4.0E-2;5.0E-1;1.0E1;"Volts"\n`;

/** The waveform a result points at: the .npy written for it. */
const decode = (path: string) => {
  const npy = decodeNpy(readFileSync(path));
  expect(npy.dtype).toBe('<f4');
  return Array.from(npy.data);
};

describe('TDS2024B transcripts', () => {
  it('acquire_waveform scales RIBinary levels to volts with YMULT, YOFF and YZERO', async () => {
    // Levels 10, 110, −90 and 0x0A (10): the block holds LF, only the header says where it ends.
    const block = Buffer.concat([
      Buffer.from('#14'),
      Buffer.from([10, 110, 256 - 90, 0x0a]),
      Buffer.from('\n'),
    ]);
    await expectedProtocol(
      [
        { send: '++addr 1' },
        { send: SETUP(2) },
        { send: 'WFMP?' },
        { send: '++read eoi', reply: preamble(4) },
        { send: 'CURV?' },
        { send: '++read eoi', reply: block },
      ],
      async (bus) => {
        const result = await callCommand(TDS2024B, 'acquire_waveform', scope(bus), { channel: 2 });
        expect(result.encoding).toBe('artifact');
        // (level − 10) × 0.04 + 0.5
        expect(decode(result.path)).toEqual([0.5, 4.5, -3.5, 0.5].map((v) => Math.fround(v)));
        expect(result.metadata).toMatchObject({
          channel: 2,
          units: 'V',
          points: 4,
          min_v: -3.5,
          max_v: 4.5,
          mean_v: 0.5,
          dtype: 'float32',
          shape: [4],
          x_increment_s: 2e-6,
          x_zero_s: -2.5e-3,
          pt_off: 0,
          x_unit: 's',
          block_header: '#14',
          waveform_id: WFID.slice(1, -1),
          preamble: { YMULT: '4.0E-2', YOFF: '1.0E1', YZERO: '5.0E-1', YUNIT: '"Volts"' },
        });
      },
    );
  });

  it('a channel that is not displayed (a short preamble) is a DEVICE_ERROR saying so', async () => {
    await expectedProtocol(
      [
        { send: '++addr 1' },
        { send: SETUP(3) },
        { send: 'WFMP?' },
        { send: '++read eoi', reply: '1;8;BIN;RI;MSB\n' },
      ],
      async (bus) => {
        await expect(
          callCommand(TDS2024B, 'acquire_waveform', scope(bus), { channel: 3 }),
        ).rejects.toMatchObject({
          code: 'DEVICE_ERROR',
          message: expect.stringMatching(/answered 5 preamble fields, not 16: is CH3 displayed\?/),
        });
      },
    );
  });

  it('a block shorter than NR_PT is a DEVICE_ERROR', async () => {
    await expectedProtocol(
      [
        { send: '++addr 1' },
        { send: SETUP(1) },
        { send: 'WFMP?' },
        { send: '++read eoi', reply: preamble(2500) },
        { send: 'CURV?' },
        { send: '++read eoi', reply: '#13abc\n' },
      ],
      async (bus) => {
        await expect(
          callCommand(TDS2024B, 'acquire_waveform', scope(bus), { channel: 1 }),
        ).rejects.toThrow(/sent 3 bytes where the preamble announced NR_PT 2500/);
      },
    );
  });

  it('splits the preamble outside quotes and refuses channels other than 1–4', () => {
    expect(splitPreamble(preamble(4))).toHaveLength(16);
    expect(splitPreamble('a;"b;c";d')).toEqual(['a', '"b;c"', 'd']);
    expect(Array.from(scaleToVolts(Uint8Array.from([0xff]), { mult: 2, off: 0, zero: 1 }))).toEqual(
      [-1],
    );
    expect(refusals(TDS2024B, 'acquire_waveform', { channel: 5 })).toHaveLength(1);
    expect(refusals(TDS2024B, 'acquire_waveform', { channel: 1.5 })).toHaveLength(1);
  });
});

describe('TDS2024B against the emulated bus', () => {
  const bridges: Ar488Bridge[] = [];
  afterEach(async () => {
    for (const b of bridges.splice(0)) await b.disconnect();
  });

  it("returns the simulator's waveform, scaled by its 0.04 V per level", async () => {
    const sim = createTekScope({ seed: 1 });
    const lab = await emulatedBus([{ address: 1, device: sim }]);
    bridges.push(lab.bridge);
    const session = lab.session(1);
    for (const channel of [1, 2]) {
      const result = await callCommand(TDS2024B, 'acquire_waveform', session, { channel });
      // Kept as a file even at 10 kB: a record is data to analyse later, not text for a model.
      expect(result.encoding).toBe('artifact');
      expect(result.metadata).toMatchObject({
        channel,
        points: 2500,
        shape: [2500],
        x_increment_s: 2e-6,
        x_zero_s: -2.5e-3,
      });
      const volts = decode(result.path);
      const expected = Array.from(sim.waveforms[channel - 1], (level) => Math.fround(level * 0.04));
      expect(volts).toEqual(expected);
    }
    // CH1 is a 100-level sine: ±4 V, a period every 500 points (1 ms at 2 µs per point).
    const ch1 = decode(
      (await callCommand(TDS2024B, 'acquire_waveform', session, { channel: 1 })).path,
    );
    expect(Math.max(...ch1)).toBeGreaterThan(3.8);
    expect(Math.min(...ch1)).toBeLessThan(-3.8);
  });
});
