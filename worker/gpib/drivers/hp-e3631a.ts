import * as z from 'zod';
import { command, defineDeviceClass } from '../../devices/device-class.js';
import { quantity } from '../../devices/quantity.js';
import {
  boolValue,
  control,
  measurement,
  queryValue,
  writeChecked,
  type GpibContext,
  type GpibState,
} from './scpi-driver.js';

type Channel = 'P6V' | 'P25V' | 'N25V';

/**
 * Programming ranges of each output (E3631A User's Guide, ch. 8 "Specifications" and the
 * APPLy description in ch. 4): the rated 6 V/5 A, 25 V/1 A and −25 V/1 A plus 3 % over-range.
 * The supply answers -222 "Data out of range" beyond them; refusing here names the field.
 */
export const E3631A_LIMITS: Record<
  Channel,
  { voltage: [number, number]; current: [number, number] }
> = {
  P6V: { voltage: [0, 6.18], current: [0, 5.15] },
  P25V: { voltage: [0, 25.75], current: [0, 1.03] },
  N25V: { voltage: [-25.75, 0], current: [0, 1.03] },
};

/** What some output allows: the fields' own ranges. */
const FIELD_RANGE = { voltage: [-25.75, 25.75], current_limit: [0, 5.15] } as const;

const channel = z
  .enum(['P6V', 'P25V', 'N25V'])
  .describe(
    'Output: P6V (0 … +6.18 V, 5.15 A), P25V (0 … +25.75 V, 1.03 A), N25V (−25.75 … 0 V, 1.03 A).',
  );

const OutputSetting = z.object({
  channel,
  voltage: quantity({ doc: 'Output voltage set', unit: 'V', min: -25.75, max: 25.75 }),
  current_limit: quantity({ doc: 'Current limit set', unit: 'A', min: 0, max: 5.15 }),
});

/** APPLy? answers `"5.000000,1.000000"`: voltage and current limit of one output. */
async function readSetting(ctx: GpibContext, ch: Channel): Promise<z.input<typeof OutputSetting>> {
  const { session } = ctx.device.state;
  const query = `APPL? ${ch}`;
  const reply = await session.query(query);
  const [voltage, current] = reply.replace(/"/g, '').split(',');
  return {
    channel: ch,
    voltage: session.parseNumber(query, voltage ?? ''),
    current_limit: session.parseNumber(query, current ?? ''),
  };
}

const setOutputParams = z
  .object({
    channel,
    voltage: quantity({
      doc: "Output voltage, within the chosen output's range",
      unit: 'V',
      min: FIELD_RANGE.voltage[0],
      max: FIELD_RANGE.voltage[1],
    }),
    current_limit: quantity({
      doc: "Current limit, within the chosen output's range",
      unit: 'A',
      min: FIELD_RANGE.current_limit[0],
      max: FIELD_RANGE.current_limit[1],
    }),
  })
  .superRefine((p, issues) => {
    const limits = E3631A_LIMITS[p.channel];
    if (!limits) return;
    const check = (
      field: 'voltage' | 'current_limit',
      unit: string,
      [lo, hi]: [number, number],
    ) => {
      const value = p[field];
      // Beyond every output's range the field's own check has said so already.
      const [min, max] = FIELD_RANGE[field];
      if (value < min || value > max) return;
      if (value < lo || value > hi) {
        issues.addIssue({
          code: 'custom',
          path: [field],
          input: value,
          message: `${field} ${value} ${unit} is outside output ${p.channel}'s range ${lo} … ${hi} ${unit}`,
        });
      }
    };
    check('voltage', 'V', limits.voltage);
    check('current_limit', 'A', limits.current);
  });

const OutputState = z.object({
  output_enabled: z.boolean().describe('Whether the outputs are on (all three switch together).'),
});

/** OUTPut ON|OFF, then OUTPut? to report what the supply now does. */
async function switchOutputs(ctx: GpibContext, on: boolean) {
  await writeChecked(ctx, on ? 'OUTP ON' : 'OUTP OFF');
  return { output_enabled: await queryValue(ctx, 'OUTP?', boolValue()) };
}

/**
 * HP/Agilent/Keysight E3631A triple-output DC power supply: P6V, P25V and N25V, one shared
 * output switch (OUTPut turns all three on or off; User's Guide ch. 4).
 */
export const HPE3631A = defineDeviceClass<GpibState>({
  name: 'HPE3631A',
  doc: 'HP/Agilent/Keysight E3631A triple-output DC power supply (+6 V/5 A, ±25 V/1 A) on GPIB.',
  // Stopped lab: every output off (settings kept), then confirmed — a supply that says it is
  // still on is a failed stop, reported as such.
  safeState: async (ctx) => {
    const { output_enabled } = await switchOutputs(ctx, false);
    if (output_enabled) throw new Error('OUTP? still answers 1 after OUTP OFF');
    return ['OUTP OFF', 'OUTP? → 0'];
  },
  commands: {
    set_output: command({
      doc:
        "Set one output's voltage and current limit (APPL), checked against that output's range; " +
        'returns the values read back. Takes effect at once if the outputs are on.',
      params: setOutputParams,
      result: OutputSetting,
      // A live output changes immediately: whatever is connected sees the new voltage.
      destructive: true,
      idempotent: true,
      run: async (ctx, p) => {
        await writeChecked(ctx, `APPL ${p.channel},${p.voltage},${p.current_limit}`);
        return readSetting(ctx, p.channel);
      },
    }),
    measure_voltage: measurement({
      doc: "Measure an output's voltage at its terminals, in V (MEAS:VOLT?).",
      params: z.object({ channel }),
      query: (p) => `MEAS:VOLT? ${p.channel}`,
      result: quantity({ doc: 'Output voltage measured', unit: 'V' }),
    }),
    measure_current: measurement({
      doc: "Measure an output's current, in A (MEAS:CURR?).",
      params: z.object({ channel }),
      query: (p) => `MEAS:CURR? ${p.channel}`,
      result: quantity({ doc: 'Output current measured', unit: 'A' }),
    }),
    output_on: command({
      doc: 'Turn all three outputs on at their set voltages and current limits (OUTP ON).',
      params: z.object({}),
      result: OutputState,
      destructive: true,
      idempotent: true,
      run: (ctx) => switchOutputs(ctx, true),
    }),
    output_off: command({
      doc: 'Turn all three outputs off (OUTP OFF); the settings are kept.',
      params: z.object({}),
      result: OutputState,
      idempotent: true,
      run: (ctx) => switchOutputs(ctx, false),
    }),
    get_settings: command({
      doc: "Get every output's voltage and current limit settings, and whether the outputs are on.",
      params: z.object({}),
      result: z.object({
        outputs: z.array(OutputSetting).describe('P6V, P25V and N25V, in that order.'),
        output_enabled: OutputState.shape.output_enabled,
      }),
      readOnly: true,
      idempotent: true,
      run: async (ctx) => {
        const outputs = [];
        for (const ch of ['P6V', 'P25V', 'N25V'] as const) {
          ctx.op.checkpoint();
          outputs.push(await readSetting(ctx, ch));
        }
        return { outputs, output_enabled: await queryValue(ctx, 'OUTP?', boolValue()) };
      },
    }),
  },
  attributes: {
    // Read-only: turning the outputs on goes through output_on, which is marked destructive.
    output_enabled: control({
      doc: 'Get whether the outputs are on (OUTP?).',
      get: 'OUTP?',
      type: z.boolean(),
      value: boolValue(),
    }),
  },
});
