import { describe, expect, it } from 'vitest';
import { PolicySection, type PolicyRule } from '../../../worker/safety/policy-config.js';
import { evaluate, rulesFor, type CallFacts } from '../../../worker/safety/rules.js';
import { checkScpi, numericArguments, splitCommands } from '../../../worker/safety/scpi-rules.js';
import { SIM_LAB_POLICY } from '../../../launcher/sim-lab.js';

/*
 * The policy's rules as pure functions, table by table: what each rule kind decides (refused,
 * a person asked, let through) for the values around its limits. The gate and the tests
 * through MCP rely on exactly these outcomes.
 */
const policy = PolicySection.parse(SIM_LAB_POLICY);

const psu = { name: 'bench-a/5', class: 'HPE3631A', model: 'E3631A' };
const scope = { name: 'microscope/Microscope', class: 'Microscope', model: null };
const stage = { name: 'microscope/Stage', class: 'Stage', model: null };

function outcome(facts: CallFacts, present: Record<string, number> = {}) {
  const findings = evaluate(rulesFor(policy.rules, facts), facts, present);
  if (findings.some((f) => f.level === 'refuse')) return 'refuse';
  if (findings.some((f) => f.level === 'approve')) return 'approve';
  return 'allow';
}

const setOutput = (channel: string, voltage: number): CallFacts => ({
  method: 'HPE3631A_set_output',
  device: psu,
  params: { channel, voltage, current_limit: 0.1 },
  points: [{ channel, voltage, current_limit: 0.1 }],
});

describe('hard and soft limits (the E3631A +25 V output: hard 0 … 20 V, approval above 12 V)', () => {
  it.each([
    [5, 'allow'],
    [12, 'allow'],
    [12.01, 'approve'],
    [20, 'approve'],
    [20.01, 'refuse'],
    [25, 'refuse'],
    [-1, 'refuse'],
  ])('P25V at %s V → %s', (v, expected) => {
    expect(outcome(setOutput('P25V', v))).toBe(expected);
  });

  it('applies only where `when` holds: the +6 V output is not under the +25 V rule', () => {
    expect(outcome(setOutput('P6V', 6))).toBe('allow');
  });

  it('names the rule, the limit and the value when it refuses', () => {
    const facts = setOutput('P25V', 25);
    const [finding] = evaluate(rulesFor(policy.rules, facts), facts, {});
    expect(finding).toMatchObject({
      rule: 'E3631A +25 V output',
      level: 'refuse',
      value: 25,
      limit: 20,
    });
    expect(finding.message).toMatch(
      /voltage 25 is above the hard maximum 20 of rule "E3631A \+25 V output"/,
    );
  });
});

describe('max_step and approval_step (high tension ≤ 20 kV per call; a stage move > 200 nm asks)', () => {
  const hv = (value: number): CallFacts => ({
    method: 'Microscope_set_voltage',
    device: scope,
    params: { value },
    points: [{ voltage: value }],
  });
  it.each([
    [200, 220, 'allow'],
    [200, 180, 'allow'],
    [200, 221, 'refuse'],
    [200, 300, 'refuse'],
  ])('from %s kV to %s kV → %s', (from, to, expected) => {
    expect(outcome(hv(to), { voltage: from })).toBe(expected);
  });

  it('refuses a step it cannot measure (the present value unreadable): fail closed', () => {
    expect(outcome(hv(210), {})).toBe('refuse');
  });

  const move = (x: number, y: number): CallFacts => ({
    method: 'Stage_move_to',
    device: stage,
    params: { x, y },
    points: [{ x, y }],
  });
  it.each([
    [100, 0, 'allow'],
    [200, 0, 'allow'],
    [150, 150, 'approve'], // 212 nm along the diagonal, though each axis moves 150
    [0, 201, 'approve'],
  ])('a move to (%s, %s) from (0, 0) → %s', (x, y, expected) => {
    expect(outcome(move(x, y), { x: 0, y: 0 })).toBe(expected);
  });
});

describe('approval: always, writable: false, posture', () => {
  it('switching the E3631A on always asks a person', () => {
    expect(outcome({ method: 'HPE3631A_output_on', device: psu, params: {}, points: [{}] })).toBe(
      'approve',
    );
  });

  it('writable: false refuses, whatever the value', () => {
    const rules: PolicyRule[] = [{ name: 'hands off', classes: ['HPE3631A'], writable: false }];
    const facts = setOutput('P6V', 1);
    expect(evaluate(rulesFor(rules, facts), facts, {})[0]).toMatchObject({ level: 'refuse' });
  });

  it('a rule with several selectors needs all of them', () => {
    const rules: PolicyRule[] = [
      { name: 'only psu1', classes: ['HPE3631A'], devices: ['bench-b/*'], writable: false },
    ];
    expect(rulesFor(rules, setOutput('P6V', 1))).toEqual([]);
  });
});

describe('whole sweeps are checked before the first step', () => {
  const sweep = (values: number[]): CallFacts => ({
    method: 'autofocus',
    device: { name: 'microscope', class: 'ScanningMicroscope' },
    params: {},
    points: values.map((z) => ({ z })),
  });
  const rules: PolicyRule[] = [
    {
      name: 'z range',
      tools: ['autofocus', 'set_parameters'],
      settings: ['z'],
      hard: { max: 8 },
      max_step: 3,
    },
  ];
  it.each([
    [[1, 2, 3, 4], 'allow'],
    [[1, 2, 9, 4], 'refuse'], // one point beyond the hard limit
    [[1, 5, 6], 'refuse'], // one step of 4 from the previous point
  ])('%j from z = 0 → %s', (values, expected) => {
    const facts = sweep(values);
    const findings = evaluate(rulesFor(rules, facts), facts, { z: 0 });
    expect(findings.some((f) => f.level === 'refuse') ? 'refuse' : 'allow').toBe(expected);
  });
});

describe('SCPI rules on raw messages', () => {
  const scpi = (message: string, model: string | null = 'E3631A') =>
    checkScpi(policy.scpi, message, model).outcome;

  it.each([
    ['APPL P25V,5,0.1', 'allow'],
    ['appl p25v, 15', 'approve'],
    ['APPLY P25V,22', 'deny'],
    ['APPL P25V,MAX', 'deny'], // MAX is the top of the range, above 20
    ['OUTP ON', 'approve'],
    [':OUTPut:STATe 1', 'approve'],
    ['OUTP OFF', 'allow'],
    ['*RST', 'approve'],
    ['APPL P25V,5;OUTP ON', 'approve'], // chained: the strictest part wins
    ['OUTP ON;APPL P25V,25', 'deny'],
    ['MEAS:VOLT? P25V', 'none'],
  ])('%s → %s', (message, expected) => {
    expect(scpi(message)).toBe(expected);
  });

  it('model rules apply only to that model: the same text to a 34401A meets the general rules only', () => {
    expect(scpi('APPL P25V,25', '34401A')).toBe('none');
    expect(scpi('*RST', '34401A')).toBe('approve');
  });

  it('names what it does not recognise, so a limited instrument can ask a person', () => {
    expect(checkScpi(policy.scpi, 'INST P25V;VOLT 24', 'E3631A').unmatched).toEqual([
      'INST P25V',
      'VOLT 24',
    ]);
  });

  it('splits at ; outside quotes and reads MAX/MIN as the extremes', () => {
    expect(splitCommands('DISP:TEXT "A;B";OUTP ON')).toEqual(['DISP:TEXT "A;B"', 'OUTP ON']);
    expect(numericArguments('APPL P25V,MIN,1.5E-1')).toEqual([-Infinity, 0.15]);
  });
});

describe('the policy section', () => {
  it.each([
    [{ rules: [{ name: 'x', settings: ['v'], hard: { max: 1 } }] }, 'rules.0'],
    [{ rules: [{ name: 'x', tools: ['a'], hard: { max: 1 } }] }, 'rules.0.settings'],
    [
      { rules: [{ name: 'x', tools: ['a'], settings: ['v'], hard: { min: 2, max: 1 } }] },
      'rules.0.hard',
    ],
    [{ scpi: [{ name: 'x', match: '(', action: 'deny' }] }, 'scpi.0.match'],
    [{ writes: 'maybe' }, 'writes'],
  ])('refuses %j, naming %s', (section, path) => {
    const parsed = PolicySection.safeParse(section);
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.path.join('.'))).toContain(path);
  });
});
