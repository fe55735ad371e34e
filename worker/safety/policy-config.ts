import * as z from 'zod';

/**
 * The `policy:` section: what an agent may write, what needs a person and what never happens.
 * Limits per setting follow ALS Osprey's channel limits (min/max, max_step, writable, readback)
 * with RsInstrument's two tiers (hard → refused, soft → a person approves) and EPICS OROC
 * (max_step); SCPI rules follow RsInstrument's write policy (patterns and value rules scoped by
 * the *IDN? model, `;`-chained messages split, the strictest outcome wins).
 */

const Glob = z
  .string()
  .min(1)
  .regex(
    /^[A-Za-z0-9_*?./:+-]+$/,
    'must be a name or a glob (* and ?) of letters, digits, _ . / : + -',
  );

const Regex = z
  .string()
  .min(1)
  .superRefine((source, ctx) => {
    try {
      new RegExp(source, 'i');
    } catch (err) {
      ctx.addIssue({
        code: 'custom',
        message: `not a regular expression: ${(err as Error).message}`,
      });
    }
  });

const Bounds = z
  .strictObject({
    min: z.number().optional(),
    max: z.number().optional(),
  })
  .refine((b) => b.min !== undefined || b.max !== undefined, 'needs min, max or both')
  .refine((b) => b.min === undefined || b.max === undefined || b.min <= b.max, 'min > max');

export type Bounds = z.output<typeof Bounds>;

const Scalar = z.union([z.string(), z.number(), z.boolean()]);

export const PolicyRuleSchema = z
  .strictObject({
    name: z.string().min(1).describe('Named in refusals, approval requests and the audit log.'),
    tools: z.array(Glob).min(1).optional().describe('Method (tool) names or globs it applies to.'),
    classes: z.array(Glob).min(1).optional().describe('Device classes it applies to.'),
    devices: z.array(Glob).min(1).optional().describe('Device names it applies to.'),
    settings: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe('Settings (parameter or attribute names) it limits; the step is their distance.'),
    when: z
      .record(z.string(), Scalar)
      .optional()
      .describe('Only calls whose parameters have these values, e.g. {channel: P25V}.'),
    hard: Bounds.optional().describe('Outside: refused before anything reaches the instrument.'),
    soft: Bounds.optional().describe('Outside: a person approves first.'),
    max_step: z
      .number()
      .gt(0)
      .optional()
      .describe('Largest change from the present value; more is refused.'),
    approval_step: z
      .number()
      .gt(0)
      .optional()
      .describe('A change larger than this from the present value needs approval.'),
    min_interval_ms: z
      .number()
      .int()
      .min(0)
      .max(3_600_000)
      .optional()
      .describe('Least time between two writes it covers, per device; a sooner one waits.'),
    approval: z
      .enum(['always', 'never'])
      .optional()
      .describe('always: every matching write needs a person.'),
    writable: z.boolean().optional().describe('false: matching writes are refused.'),
    readback: z
      .strictObject({ tolerance: z.number().min(0) })
      .optional()
      .describe(
        'Read the setting back after writing it; further off than tolerance is a DEVICE_ERROR.',
      ),
  })
  .superRefine((rule, ctx) => {
    if (!rule.tools && !rule.classes && !rule.devices) {
      ctx.addIssue({
        code: 'custom',
        message: 'needs tools, classes or devices to say what it covers',
      });
    }
    const numeric = rule.hard || rule.soft || rule.max_step || rule.approval_step || rule.readback;
    if (numeric && !rule.settings) {
      ctx.addIssue({
        code: 'custom',
        path: ['settings'],
        message: 'hard, soft, max_step, approval_step and readback need the settings they limit',
      });
    }
  });

export type PolicyRule = z.output<typeof PolicyRuleSchema>;

export const ScpiRuleSchema = z
  .strictObject({
    name: z.string().min(1),
    model: z
      .string()
      .min(1)
      .optional()
      .describe('Only instruments whose *IDN? model contains this (case-insensitive).'),
    match: Regex.describe('Regular expression on one normalised command (upper case, one space).'),
    action: z
      .enum(['allow', 'approve', 'deny'])
      .optional()
      .describe('What a match means; value rules may leave it out.'),
    value: z
      .strictObject({
        argument: z.number().int().min(0).default(0).describe('Which numeric argument, from 0.'),
        hard: Bounds.optional(),
        soft: Bounds.optional(),
      })
      .optional(),
  })
  .refine((r) => r.action !== undefined || r.value !== undefined, 'needs action, value or both');

export type ScpiRule = z.output<typeof ScpiRuleSchema>;

export const PolicySection = z.strictObject({
  writes: z
    .enum(['allow', 'approve', 'deny'])
    .default('allow')
    .describe(
      'Lab-wide posture: every write allowed (within the rules), approved by a person, or refused.',
    ),
  approval_timeout_s: z
    .number()
    .int()
    .min(5)
    .max(86_400)
    .default(300)
    .describe('How long a write waits for a person before it expires.'),
  rules: z.array(PolicyRuleSchema).default([]),
  scpi: z.array(ScpiRuleSchema).default([]),
});

export type PolicyConfig = z.output<typeof PolicySection>;

/** The policy of a config without a `policy:` section: writes allowed, no rules. */
export const OPEN_POLICY: PolicyConfig = {
  writes: 'allow',
  approval_timeout_s: 300,
  rules: [],
  scpi: [],
};
