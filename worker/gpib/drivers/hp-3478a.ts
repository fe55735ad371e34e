import * as z from 'zod';
import { command, defineDeviceClass } from '../../devices/device-class.js';
import { quantity } from '../../devices/quantity.js';
import { measurement, optional, setting, type GpibState } from './scpi-driver.js';

/**
 * One 3478A function (Operating Manual, "HP-IB program codes"; pymeasure hp3478A.py RANGES):
 * its F code, unit, and full-scale ranges with their R codes, smallest first.
 */
interface Function3478 {
  code: string;
  /** As read_status reports it. */
  name: string;
  command: string;
  what: string;
  unit: string;
  ranges: Array<[fullScale: number, code: string]>;
}

const OHMS: Function3478['ranges'] = [
  [30, 'R1'],
  [300, 'R2'],
  [3e3, 'R3'],
  [30e3, 'R4'],
  [300e3, 'R5'],
  [3e6, 'R6'],
  [30e6, 'R7'],
];
const AMPS: Function3478['ranges'] = [
  [0.3, 'R-1'],
  [3, 'R0'],
];

const FUNCTIONS: Function3478[] = [
  {
    code: 'F1',
    name: 'dc_voltage',
    command: 'measure_voltage_dc',
    what: 'the DC voltage',
    unit: 'V',
    ranges: [
      [0.03, 'R-2'],
      [0.3, 'R-1'],
      [3, 'R0'],
      [30, 'R1'],
      [300, 'R2'],
    ],
  },
  {
    code: 'F2',
    name: 'ac_voltage',
    command: 'measure_voltage_ac',
    what: 'the AC voltage (true RMS)',
    unit: 'V',
    ranges: [
      [0.3, 'R-1'],
      [3, 'R0'],
      [30, 'R1'],
      [300, 'R2'],
    ],
  },
  {
    code: 'F3',
    name: 'resistance',
    command: 'measure_resistance',
    what: 'the 2-wire resistance',
    unit: 'Ω',
    ranges: OHMS,
  },
  {
    code: 'F4',
    name: 'resistance_4w',
    command: 'measure_resistance_4w',
    what: 'the 4-wire resistance',
    unit: 'Ω',
    ranges: OHMS,
  },
  {
    code: 'F5',
    name: 'dc_current',
    command: 'measure_current_dc',
    what: 'the DC current',
    unit: 'A',
    ranges: AMPS,
  },
  {
    code: 'F6',
    name: 'ac_current',
    command: 'measure_current_ac',
    what: 'the AC current (true RMS)',
    unit: 'A',
    ranges: AMPS,
  },
  {
    code: 'F7',
    name: 'resistance_extended',
    command: 'measure_resistance_extended',
    what: 'the extended-range resistance',
    unit: 'Ω',
    ranges: [],
  },
];

const digits = optional(
  quantity({
    doc: 'Display digits: 3, 4 or 5 for 3½, 4½ or 5½ (N3–N5; omit to keep the setting)',
    unit: '1',
    min: 3,
    max: 5,
    int: true,
  }),
);

/**
 * F<n>, R<n> (smallest range holding `range`, else RA autorange), N<n>, then T3: one triggered
 * reading, taken after the settings, which the meter holds until it is read (T3 single trigger).
 */
function measureCodes(fn: Function3478, p: { range?: number; digits?: number }): string {
  let codes = fn.code;
  if (fn.ranges.length > 0) {
    const range = p.range === undefined ? undefined : fn.ranges.find(([full]) => full >= p.range!);
    codes += range ? range[1] : 'RA';
  }
  if (p.digits !== undefined) codes += `N${p.digits}`;
  return `${codes}T3`;
}

function measure(fn: Function3478) {
  const ranged = fn.ranges.length > 0;
  const top = fn.ranges.at(-1)?.[0] ?? 0;
  return measurement({
    doc:
      `Measure ${fn.what}, in ${fn.unit} (${fn.code}, T3 single trigger)` +
      (ranged ? '; autoranges unless range is given.' : '.') +
      ' An overload reads +9.99999E+9.',
    params: ranged
      ? z.object({
          range: optional(
            quantity({
              doc: 'Expected largest value (omit to autorange); the meter picks the range holding it',
              unit: fn.unit,
              min: 0,
              max: top,
            }),
          ),
          digits,
        })
      : z.object({ digits }),
    query: (p: { range?: number; digits?: number }) => measureCodes(fn, p),
    result: quantity({ doc: `${fn.what.replace(/^the /, '')} read`, unit: fn.unit }),
    // 5½ digits with autorange and autozero take up to about a second on a 3478A.
    deadline: { base_ms: 15_000 },
  });
}

/** Byte 2 of the `B` status (manual, "Binary status"): one flag per bit. */
const FLAGS = {
  internal_trigger: 0x01,
  autorange: 0x02,
  autozero: 0x04,
  line_50hz: 0x08,
  front_terminals: 0x10,
  cal_ram_enabled: 0x20,
  external_trigger: 0x40,
} as const;

/** Byte 4 of the `B` status, the error register (same bits as `E`). */
const ERRORS = [
  'calibration RAM checksum',
  'RAM failure',
  'ROM failure',
  'A/D slope convergence',
  'A/D integrator convergence',
  'A/D link failure',
];

const flag = (doc: string) => z.boolean().describe(doc);

const Status = z.object({
  function: z
    .enum(FUNCTIONS.map((f) => f.name) as [string, ...string[]])
    .describe('Measurement function (F1–F7).'),
  range: z.number().describe("Full-scale range in the function's unit: V, Ω or A."),
  digits: z.number().int().describe('Display digits: 3, 4 or 5 for 3½, 4½ or 5½.'),
  internal_trigger: flag('Internal trigger (T1) selected.'),
  autorange: flag('Autorange on.'),
  autozero: flag('Autozero on.'),
  line_50hz: flag('Set up for 50 Hz mains (else 60 Hz).'),
  front_terminals: flag('Front terminals selected (else rear).'),
  cal_ram_enabled: flag('Calibration RAM write-enabled (front CAL ENABLE switch).'),
  external_trigger: flag('External trigger (T2) selected.'),
  srq_mask: z.number().int().describe('SRQ mask (M), bits as the serial-poll byte.'),
  errors: z.array(z.string()).describe('Hardware errors reported; empty when healthy.'),
});

/** Decodes the five `B` bytes; null when the function field is not F1–F7. */
export function decodeStatus(bytes: Uint8Array): z.input<typeof Status> | null {
  const fn = FUNCTIONS[(bytes[0] >> 5) - 1];
  if (!fn) return null;
  const rangeField = (bytes[0] >> 2) & 7;
  // Range field 1 is the smallest range of the function; extended ohms reads as 7 = 30 MΩ.
  const smallest = fn.ranges[0]?.[0] ?? 30;
  return {
    function: fn.name,
    range: smallest * 10 ** (rangeField - 1),
    digits: 6 - (bytes[0] & 3),
    internal_trigger: (bytes[1] & FLAGS.internal_trigger) !== 0,
    autorange: (bytes[1] & FLAGS.autorange) !== 0,
    autozero: (bytes[1] & FLAGS.autozero) !== 0,
    line_50hz: (bytes[1] & FLAGS.line_50hz) !== 0,
    front_terminals: (bytes[1] & FLAGS.front_terminals) !== 0,
    cal_ram_enabled: (bytes[1] & FLAGS.cal_ram_enabled) !== 0,
    external_trigger: (bytes[1] & FLAGS.external_trigger) !== 0,
    srq_mask: bytes[2],
    errors: ERRORS.filter((_, i) => (bytes[3] & (1 << i)) !== 0),
  };
}

/**
 * HP 3478A 5½-digit multimeter: pre-SCPI single-letter program codes, no `*IDN?` (it answers a
 * syntax error), so it is bound by a class named in the config, never by identity.
 */
export const HP3478A = defineDeviceClass<GpibState>({
  name: 'HP3478A',
  doc: 'HP 3478A 5½-digit digital multimeter on HP-IB (program codes F/R/N/T/Z, no *IDN?).',
  commands: {
    ...Object.fromEntries(FUNCTIONS.map((fn) => [fn.command, measure(fn)])),
    set_autozero: setting({
      doc: 'Set autozero on (Z1, the default) or off (Z0, faster readings that drift).',
      params: z.object({ enabled: z.boolean().describe('Autozero on.') }),
      set: (p) => (p.enabled ? 'Z1' : 'Z0'),
      unchecked: true,
    }),
    display_text: setting({
      doc: 'Show up to 12 characters on the display (D2); display_normal shows readings again.',
      params: z.object({
        text: z
          .string()
          .max(12)
          .regex(/^[\x20-\x5f]*$/, 'upper-case letters, digits, space and punctuation only')
          .describe('Up to 12 characters: upper-case letters, digits, space, punctuation.'),
      }),
      set: (p) => `D2${p.text}`,
      unchecked: true,
    }),
    display_normal: setting({
      doc: 'Set the display back to showing readings (D1).',
      params: z.object({}),
      set: () => 'D1',
      unchecked: true,
    }),
    read_status: command({
      doc: 'Get the function, range, digits, trigger, autozero and error state (B: binary status).',
      params: z.object({}),
      result: Status,
      readOnly: true,
      idempotent: true,
      run: async (ctx) => {
        ctx.op.checkpoint();
        const { session } = ctx.device.state;
        const bytes = await session.queryBytes('B');
        const status = bytes.length >= 5 ? decodeStatus(bytes) : null;
        if (!status) {
          throw session.error('B', `answered ${bytes.toString('hex')}, not 5 status bytes`);
        }
        return status;
      },
    }),
  },
});
