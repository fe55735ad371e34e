import type { DeviceRef, SettingPoint } from '../engine/write-gate.js';
import { anyGlob } from './glob.js';
import { outside } from './scpi-rules.js';
import type { PolicyRule } from './policy-config.js';

/** What the policy knows of one call before it runs. */
export interface CallFacts {
  method: string;
  device: DeviceRef | null;
  params: Record<string, unknown>;
  /** Every step's settings, in order (one for a plain write). */
  points: SettingPoint[];
}

/** One rule's objection: refused outright, or a person must approve. */
export interface Finding {
  rule: string;
  level: 'refuse' | 'approve';
  message: string;
  setting?: string;
  value?: unknown;
  present?: number;
  limit?: number;
}

/** The rules that cover a call: every selector it has matches and it writes what they limit. */
export function rulesFor(rules: readonly PolicyRule[], facts: CallFacts): PolicyRule[] {
  return rules.filter((rule) => {
    if (rule.tools && !anyGlob(rule.tools, facts.method)) return false;
    if (rule.classes && !(facts.device && anyGlob(rule.classes, facts.device.class))) return false;
    if (rule.devices && !(facts.device && anyGlob(rule.devices, facts.device.name))) return false;
    for (const [key, expected] of Object.entries(rule.when ?? {})) {
      if (facts.params[key] !== expected) return false;
    }
    return !rule.settings || rule.settings.some((s) => facts.points.some((p) => s in p));
  });
}

/** Settings whose present value the rules need (steps, readback). */
export function settingsToRead(rules: readonly PolicyRule[], facts: CallFacts): string[] {
  const wanted = new Set<string>();
  for (const rule of rules) {
    if (!(rule.max_step || rule.approval_step)) continue;
    for (const s of rule.settings ?? []) wanted.add(s);
  }
  return [...wanted].filter((s) => facts.points.some((p) => s in p));
}

/**
 * Every objection the rules raise to a call, given the present values of the settings they
 * step from. Each value of a sweep is checked, and each step between them: a scan that would
 * pass through a forbidden value is refused before its first step.
 */
export function evaluate(
  rules: readonly PolicyRule[],
  facts: CallFacts,
  present: Readonly<Record<string, number | undefined>>,
): Finding[] {
  const findings: Finding[] = [];
  const what = facts.device ? `${facts.device.name} ${facts.method}` : facts.method;
  for (const rule of rules) {
    const named = `rule "${rule.name}"`;
    if (rule.writable === false) {
      findings.push({
        rule: rule.name,
        level: 'refuse',
        message: `${what} is not writable under ${named}; nothing was sent`,
      });
    }
    if (rule.approval === 'always') {
      findings.push({
        rule: rule.name,
        level: 'approve',
        message: `${what} needs a person's approval under ${named}`,
      });
    }
    for (const setting of rule.settings ?? []) {
      for (const point of facts.points) {
        if (!(setting in point)) continue;
        const value = point[setting];
        if (typeof value !== 'number') continue;
        const hard = outside(value, rule.hard, ' hard');
        if (hard) {
          findings.push({
            rule: rule.name,
            level: 'refuse',
            setting,
            value,
            limit: limitOf(value, rule.hard!),
            message: `${what}: ${setting} ${value} is ${hard} of ${named}; nothing was sent`,
          });
          continue;
        }
        const soft = outside(value, rule.soft, ' soft');
        if (soft) {
          findings.push({
            rule: rule.name,
            level: 'approve',
            setting,
            value,
            limit: limitOf(value, rule.soft!),
            message: `${what}: ${setting} ${fromTo(present[setting], value)} is ${soft} of ${named}`,
          });
        }
      }
    }
    if (rule.max_step || rule.approval_step) findings.push(...steps(rule, facts, present, what));
  }
  return findings;
}

/**
 * The change of each step, from the present value through every point: the distance over the
 * rule's settings (one setting: |Δ|; a stage's x and y: the length of the move). A present
 * value that cannot be read fails closed: refused under max_step, approval under approval_step.
 */
function steps(
  rule: PolicyRule,
  facts: CallFacts,
  present: Readonly<Record<string, number | undefined>>,
  what: string,
): Finding[] {
  const settings = (rule.settings ?? []).filter((s) => facts.points.some((p) => s in p));
  const unknown = settings.filter((s) => present[s] === undefined);
  const named = `rule "${rule.name}"`;
  if (unknown.length > 0) {
    return [
      {
        rule: rule.name,
        level: rule.max_step ? 'refuse' : 'approve',
        message:
          `${what}: the present ${unknown.join(', ')} cannot be read, so the step limit of ` +
          `${named} cannot be checked` +
          (rule.max_step ? '; nothing was sent' : ''),
      },
    ];
  }
  let from: Record<string, number> = Object.fromEntries(settings.map((s) => [s, present[s]!]));
  let largest = { distance: 0, from, to: from };
  for (const point of facts.points) {
    const to = { ...from };
    for (const s of settings) if (typeof point[s] === 'number') to[s] = point[s] as number;
    const distance = Math.hypot(...settings.map((s) => to[s] - from[s]));
    if (distance > largest.distance) largest = { distance, from, to };
    from = to;
  }
  const describe = () =>
    settings.map((s) => `${s} ${largest.from[s]} → ${largest.to[s]}`).join(', ');
  const d = round(largest.distance);
  if (rule.max_step && largest.distance > rule.max_step) {
    return [
      {
        rule: rule.name,
        level: 'refuse',
        setting: settings.join(','),
        limit: rule.max_step,
        message:
          `${what}: a step of ${d} (${describe()}) is larger than the maximum step ` +
          `${rule.max_step} of ${named}; nothing was sent — change it in smaller steps`,
      },
    ];
  }
  if (rule.approval_step && largest.distance > rule.approval_step) {
    return [
      {
        rule: rule.name,
        level: 'approve',
        setting: settings.join(','),
        limit: rule.approval_step,
        message:
          `${what}: a step of ${d} (${describe()}) is larger than ${rule.approval_step}, ` +
          `which needs a person's approval under ${named}`,
      },
    ];
  }
  return [];
}

function limitOf(value: number, bounds: { min?: number; max?: number }): number {
  return bounds.max !== undefined && value > bounds.max ? bounds.max : bounds.min!;
}

function fromTo(present: number | undefined, value: number): string {
  return present === undefined ? String(value) : `${present} → ${value}`;
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
