import type { Bounds, ScpiRule } from './policy-config.js';

/** What the SCPI rules say about a message: the strictest of its commands' outcomes. */
export type ScpiOutcome = 'deny' | 'approve' | 'allow' | 'none';

export interface ScpiFinding {
  rule: string;
  outcome: Exclude<ScpiOutcome, 'none'>;
  command: string;
  message: string;
}

export interface ScpiVerdict {
  outcome: ScpiOutcome;
  findings: ScpiFinding[];
  /** Commands no rule spoke for (neither allowed nor limited), normalised. */
  unmatched: string[];
}

const RANK: Record<ScpiOutcome, number> = { none: 0, allow: 1, approve: 2, deny: 3 };

/**
 * Splits a program message into its commands at `;` outside quoted strings (IEEE 488.2 §7.4.1:
 * `APPL P25V,5;OUTP ON` is two commands, and either may be the dangerous one).
 */
export function splitCommands(message: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quote: string | null = null;
  for (const c of message) {
    if (quote) {
      if (c === quote) quote = null;
      current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      current += c;
    } else if (c === ';' || c === '\n' || c === '\r') {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

/** Upper case outside quotes, one space between header and arguments, no leading colon. */
export function normaliseCommand(command: string): string {
  let out = '';
  let quote: string | null = null;
  for (const c of command.trim().replace(/^:/, '')) {
    if (quote) {
      if (c === quote) quote = null;
      out += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      out += c;
    } else out += c.toUpperCase();
  }
  return out.replace(/\s+/g, ' ').replace(/ ?, ?/g, ',');
}

/** A query reads: its header ends in `?` (`MEAS:VOLT? P25V`, `*IDN?`). */
export function isQuery(command: string): boolean {
  const header = normaliseCommand(command).split(' ')[0];
  return header.endsWith('?');
}

/** True when every command of the message is a query: the message only reads. */
export function onlyQueries(message: string): boolean {
  const commands = splitCommands(message);
  return commands.length > 0 && commands.every(isQuery);
}

/**
 * The numeric arguments of a command, in order. MAX/MIN (and INF) count as the extremes, so
 * `APPL P25V,MAX` meets a maximum rule as the instrument's top of range would.
 */
export function numericArguments(command: string): number[] {
  const space = command.indexOf(' ');
  if (space < 0) return [];
  const values: number[] = [];
  for (const raw of command.slice(space + 1).split(',')) {
    const arg = raw.trim().toUpperCase();
    if (/^(MAX|MAXIMUM|INF|\+INF)$/.test(arg)) values.push(Infinity);
    else if (/^(MIN|MINIMUM|-INF|NINF)$/.test(arg)) values.push(-Infinity);
    else {
      const m = /^[+-]?(\d+\.?\d*|\.\d+)(E[+-]?\d+)?/.exec(arg);
      if (m) values.push(Number(m[0]));
    }
  }
  return values;
}

/**
 * Checks one message against the SCPI rules that apply to `model` (a rule with a model applies
 * to instruments whose *IDN? model contains it; one without, to all). Each command gets the
 * strictest outcome of the rules that match it; the message gets the strictest of its commands.
 */
export function checkScpi(
  rules: readonly ScpiRule[],
  message: string,
  model: string | null | undefined,
  compiled = compileRules(rules),
): ScpiVerdict {
  const verdict: ScpiVerdict = { outcome: 'none', findings: [], unmatched: [] };
  for (const raw of splitCommands(message)) {
    const command = normaliseCommand(raw);
    let best: ScpiOutcome = 'none';
    for (const { rule, re } of compiled) {
      if (rule.model && !(model ?? '').toUpperCase().includes(rule.model.toUpperCase())) continue;
      if (!re.test(command)) continue;
      const found = judge(rule, command);
      if (!found) continue;
      if (found.outcome !== 'allow') verdict.findings.push(found);
      if (RANK[found.outcome] > RANK[best]) best = found.outcome;
    }
    if (best === 'none' && !isQuery(command)) verdict.unmatched.push(command);
    if (RANK[best] > RANK[verdict.outcome]) verdict.outcome = best;
  }
  return verdict;
}

export function compileRules(rules: readonly ScpiRule[]): Array<{ rule: ScpiRule; re: RegExp }> {
  return rules.map((rule) => ({ rule, re: new RegExp(rule.match, 'i') }));
}

function judge(rule: ScpiRule, command: string): ScpiFinding | null {
  const base = { rule: rule.name, command };
  if (rule.value) {
    const value = numericArguments(command)[rule.value.argument];
    if (value !== undefined) {
      const hard = outside(value, rule.value.hard, ' hard');
      if (hard) {
        return {
          ...base,
          outcome: 'deny',
          message: `"${command}": ${shown(value)} is ${hard} of SCPI rule "${rule.name}"`,
        };
      }
      const soft = outside(value, rule.value.soft, ' soft');
      if (soft) {
        return {
          ...base,
          outcome: 'approve',
          message: `"${command}": ${shown(value)} is ${soft} of SCPI rule "${rule.name}"`,
        };
      }
      if (!rule.action) return { ...base, outcome: 'allow', message: '' };
    } else if (!rule.action) return null;
  }
  const outcome = rule.action!;
  const what = outcome === 'deny' ? 'is refused' : outcome === 'approve' ? 'needs approval' : '';
  return { ...base, outcome, message: `"${command}" ${what} by SCPI rule "${rule.name}"` };
}

/** "above the hard maximum 20" or null when inside. */
export function outside(value: number, bounds: Bounds | undefined, tier = ''): string | null {
  if (!bounds) return null;
  if (bounds.max !== undefined && value > bounds.max)
    return `above the${tier} maximum ${bounds.max}`;
  if (bounds.min !== undefined && value < bounds.min)
    return `below the${tier} minimum ${bounds.min}`;
  return null;
}

function shown(value: number): string {
  return value === Infinity ? 'MAX' : value === -Infinity ? 'MIN' : String(value);
}
