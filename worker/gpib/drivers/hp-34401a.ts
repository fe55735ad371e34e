import * as z from 'zod';
import { defineDeviceClass } from '../../devices/device-class.js';
import { quantity } from '../../devices/quantity.js';
import {
  choiceValue,
  control,
  measurement,
  optional,
  quotedString,
  setting,
  type GpibState,
} from './scpi-driver.js';

/**
 * One MEASure? function of the 34401A (User's Guide ch. 4, "MEASure? and CONFigure"): the
 * header, its unit, and the largest range (the meter picks the smallest range ≥ the value).
 */
interface MeasureFunction {
  header: string;
  what: string;
  unit: string;
  maxRange: number;
}

/** `MEAS:<fn>? [<range>|DEF[,<resolution>]]`: an absent range means autorange (DEF). */
function measureQuery(fn: MeasureFunction, p: { range?: number; resolution?: number }): string {
  if (p.range === undefined && p.resolution === undefined) return `MEAS:${fn.header}?`;
  const range = p.range === undefined ? 'DEF' : String(p.range);
  return p.resolution === undefined
    ? `MEAS:${fn.header}? ${range}`
    : `MEAS:${fn.header}? ${range},${p.resolution}`;
}

/** A measure_* command with optional range and resolution, in the function's unit. */
function ranged(fn: MeasureFunction) {
  return measurement({
    doc:
      `Measure ${fn.what}, in ${fn.unit} (MEAS:${fn.header}?); autoranges unless range is given. ` +
      'Reconfigures the meter to this function.',
    params: z.object({
      range: optional(
        quantity({
          doc: 'Expected largest value (omit to autorange); the meter picks the smallest range holding it',
          unit: fn.unit,
          min: 0,
          max: fn.maxRange,
        }),
      ),
      resolution: optional(
        quantity({
          doc: 'Resolution wanted (omit for 5½ digits); finer is slower',
          unit: fn.unit,
          min: 0,
          max: fn.maxRange,
        }).positive(),
      ),
    }),
    query: (p) => measureQuery(fn, p),
    result: quantity({ doc: `${cap(fn.what)} read`, unit: fn.unit }),
  });
}

const cap = (s: string) => s[0].toUpperCase() + s.slice(1);

/** The meter's functions as `FUNCtion?` reports them (User's Guide ch. 4, SENSe subsystem). */
const FUNCTIONS = {
  dc_voltage: 'VOLT',
  ac_voltage: 'VOLT:AC',
  dc_current: 'CURR',
  ac_current: 'CURR:AC',
  resistance: 'RES',
  resistance_4w: 'FRES',
  frequency: 'FREQ',
  period: 'PER',
} as const;

/**
 * HP/Agilent/Keysight 34401A 6½-digit multimeter. MEASure? is one query per reading (configure,
 * trigger, read): the meter's reply is the reading in NR3 (`+4.23451000E+00`).
 */
export const HP34401A = defineDeviceClass<GpibState>({
  name: 'HP34401A',
  doc: 'HP/Agilent/Keysight 34401A 6½-digit digital multimeter on GPIB.',
  commands: {
    measure_voltage_dc: ranged({
      header: 'VOLT:DC',
      what: 'the DC voltage',
      unit: 'V',
      maxRange: 1000,
    }),
    measure_voltage_ac: ranged({
      header: 'VOLT:AC',
      what: 'the AC voltage (true RMS)',
      unit: 'V',
      maxRange: 750,
    }),
    measure_current_dc: ranged({
      header: 'CURR:DC',
      what: 'the DC current',
      unit: 'A',
      maxRange: 3,
    }),
    measure_current_ac: ranged({
      header: 'CURR:AC',
      what: 'the AC current (true RMS)',
      unit: 'A',
      maxRange: 3,
    }),
    measure_resistance: ranged({
      header: 'RES',
      what: 'the 2-wire resistance',
      unit: 'Ω',
      maxRange: 100e6,
    }),
    measure_resistance_4w: ranged({
      header: 'FRES',
      what: 'the 4-wire resistance',
      unit: 'Ω',
      maxRange: 100e6,
    }),
    measure_frequency: measurement({
      doc: 'Measure the frequency of an AC signal on the voltage input, in Hz (MEAS:FREQ?).',
      query: 'MEAS:FREQ?',
      result: quantity({ doc: 'Frequency read', unit: 'Hz' }),
    }),
    measure_period: measurement({
      doc: 'Measure the period of an AC signal on the voltage input, in s (MEAS:PER?).',
      query: 'MEAS:PER?',
      result: quantity({ doc: 'Period read', unit: 's' }),
    }),
    display_text: setting({
      doc: 'Show up to 12 characters on the front-panel display (DISP:TEXT).',
      params: z.object({
        text: z
          .string()
          .max(12)
          .regex(/^[\x20-\x7e]*$/)
          .describe('Up to 12 printable ASCII characters; excess would be truncated by the meter.'),
      }),
      set: (p) => `DISP:TEXT ${quotedString.format(p.text)}`,
    }),
    clear_display_text: setting({
      doc: 'Clear the text shown with display_text; readings show again (DISP:TEXT:CLE).',
      params: z.object({}),
      set: () => 'DISP:TEXT:CLE',
    }),
  },
  attributes: {
    function: control({
      doc: 'Control the measurement function (FUNC); MEASure? commands change it too.',
      get: 'FUNC?',
      set: 'FUNC {}',
      type: z.enum(Object.keys(FUNCTIONS) as [keyof typeof FUNCTIONS]),
      value: choiceValue(FUNCTIONS, { quoted: true }),
    }),
  },
});
