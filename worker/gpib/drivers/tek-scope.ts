import * as z from 'zod';
import { arrayResult, BinaryResultSchema } from '../../devices/binary-result.js';
import { command, defineDeviceClass } from '../../devices/device-class.js';
import { quantity } from '../../devices/quantity.js';
import type { GpibContext, GpibState } from './scpi-driver.js';

/** The TDS 1000/2000 series record: always 2500 points (Programmer Manual, "CURVe"). */
export const RECORD_POINTS = 2500;

/** `WFMPre?` fields in the order a TDS 1000/2000 sends them with HEADer OFF. */
export const PREAMBLE_FIELDS = [
  'BYT_NR',
  'BIT_NR',
  'ENCDG',
  'BN_FMT',
  'BYT_OR',
  'NR_PT',
  'WFID',
  'PT_FMT',
  'XINCR',
  'PT_OFF',
  'XZERO',
  'XUNIT',
  'YMULT',
  'YZERO',
  'YOFF',
  'YUNIT',
] as const;

export type Preamble = Record<(typeof PREAMBLE_FIELDS)[number], string>;

/** Splits `1;8;BIN;…;"Ch1, DC coupling, …";…` on the semicolons outside quoted strings. */
export function splitPreamble(text: string): string[] {
  const fields: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of text.trim()) {
    if (ch === '"') quoted = !quoted;
    if (ch === ';' && !quoted) {
      fields.push(current.trim());
      current = '';
    } else current += ch;
  }
  fields.push(current.trim());
  return fields;
}

/**
 * Scales digitizer levels to volts: (level − YOFF) × YMULT + YZERO (Programmer Manual,
 * "WFMPre:YMUlt"). The data is RIBinary width 1, so each byte is a signed level.
 */
export function scaleToVolts(
  data: Uint8Array,
  y: { mult: number; off: number; zero: number },
): Float32Array {
  const levels = new Int8Array(data.buffer, data.byteOffset, data.byteLength);
  const volts = new Float32Array(levels.length);
  for (let i = 0; i < levels.length; i++) volts[i] = (levels[i] - y.off) * y.mult + y.zero;
  return volts;
}

/** WFMPre? after DATa:SOUrce, checked to describe the data the setup asked for. */
async function readPreamble(ctx: GpibContext, channel: number): Promise<Preamble> {
  const { session } = ctx.device.state;
  const fields = splitPreamble(await session.query('WFMP?'));
  // A channel that is not displayed gives only the format fields (Programmer Manual, WFMPre?).
  if (fields.length !== PREAMBLE_FIELDS.length) {
    throw session.error(
      'WFMP?',
      `answered ${fields.length} preamble fields, not ${PREAMBLE_FIELDS.length}: is CH${channel} displayed?`,
    );
  }
  const preamble = Object.fromEntries(PREAMBLE_FIELDS.map((k, i) => [k, fields[i]])) as Preamble;
  if (preamble.BYT_NR !== '1' || preamble.ENCDG !== 'BIN' || preamble.BN_FMT !== 'RI') {
    throw session.error(
      'WFMP?',
      `describes ${preamble.BYT_NR}-byte ${preamble.ENCDG} ${preamble.BN_FMT} data, not the 1-byte RIBinary set up`,
    );
  }
  return preamble;
}

const unquote = (s: string) => s.replace(/^"|"$/g, '');

/**
 * Tektronix TDS 2024B and its TDS 1000/2000-series siblings (same programmer manual and
 * 2500-point records): waveforms as CURVe? binary blocks described by the WFMPre? preamble.
 */
export const TDS2024B = defineDeviceClass<GpibState>({
  name: 'TDS2024B',
  doc: 'Tektronix TDS 2024B (TDS 1000/2000-series) digital storage oscilloscope on GPIB.',
  commands: {
    acquire_waveform: command({
      doc:
        "Acquire a channel's displayed waveform record (CURV?, 1-byte RIBinary), scaled to volts; " +
        'the WFMPre? preamble and the time axis go in the metadata.',
      params: z.object({
        channel: quantity({ doc: 'Channel (CH1 … CH4)', unit: '1', min: 1, max: 4, int: true }),
      }),
      result: BinaryResultSchema.describe(
        'float32 volts, one per point; time of point i = x_zero_s + (i − pt_off) × x_increment_s. ' +
          'Inline base64 when small, else an .npy artifact.',
      ),
      readOnly: true,
      idempotent: true,
      run: async (ctx, { channel }) => {
        const { session } = ctx.device.state;
        ctx.op.checkpoint();
        // HEADer OFF: replies are bare values (the preamble is then positional).
        await session.write(
          `HEAD OFF;:DAT:SOU CH${channel};:DAT:ENC RIB;:DAT:WID 1;:DAT:STAR 1;:DAT:STOP ${RECORD_POINTS}`,
        );
        ctx.op.checkpoint();
        const preamble = await readPreamble(ctx, channel);
        ctx.op.checkpoint();
        const block = await session.queryBlock('CURV?');
        const points = Number(preamble.NR_PT);
        if (block.data.length !== points) {
          throw session.error(
            'CURV?',
            `sent ${block.data.length} bytes where the preamble announced NR_PT ${points}`,
          );
        }
        const num = (field: keyof Preamble) => session.parseNumber('WFMP?', preamble[field]);
        const volts = scaleToVolts(block.data, {
          mult: num('YMULT'),
          off: num('YOFF'),
          zero: num('YZERO'),
        });
        let [min, max, sum] = [Infinity, -Infinity, 0];
        for (const v of volts) {
          min = Math.min(min, v);
          max = Math.max(max, v);
          sum += v;
        }
        // A record is kept as a file (with its preamble) for analysis later; the model gets the
        // path and a summary it can reason about, not 2500 numbers.
        return arrayResult(ctx, {
          data: volts,
          shape: [volts.length],
          name: `ch${channel}`,
          store: 'always',
          metadata: {
            channel,
            units: 'V',
            min_v: min,
            max_v: max,
            mean_v: sum / volts.length,
            points,
            x_increment_s: num('XINCR'),
            x_zero_s: num('XZERO'),
            pt_off: num('PT_OFF'),
            x_unit: unquote(preamble.XUNIT),
            waveform_id: unquote(preamble.WFID),
            block_header: block.header,
            preamble,
          },
        });
      },
    }),
  },
});
