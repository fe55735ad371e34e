import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { safetyRuntime } from '../helpers/safety-runtime.js';
import { ms, summarize, timeCalls, type Latency } from './stats.js';

/**
 * What the safety gate adds to one driver command, in the worker, without sockets: the same
 * write through the dispatcher with no gate, with the gate and no rules, and with the gate and
 * rules that cover the call (hard and soft limits, a step from the present value read from the
 * device). The driver command itself is in memory, so what is left is the gate's own cost; with
 * the audit log on, a governed write also writes its `started` line first.
 */
export interface GateFigures {
  calls: number;
  no_gate: Latency;
  gate_open: Latency;
  gate_rules: Latency;
  no_gate_audit: Latency;
  gate_rules_audit: Latency;
}

const RULES = {
  rules: [
    {
      name: 'channel A',
      classes: ['BenchSupply'],
      when: { channel: 'A' },
      settings: ['voltage'],
      hard: { min: 0, max: 20 },
      soft: { max: 12 },
      max_step: 30,
    },
  ],
};

function scenario(policy: unknown, audit: string | null) {
  const s = safetyRuntime({ policy, audit });
  let n = 0;
  return {
    call: async () => {
      const reply = await s.send('BenchSupply_set_output', { channel: 'A', voltage: ++n % 10 });
      if (reply.status !== 'ok') throw new Error(`bench write failed: ${reply.error}`);
    },
    close: s.close,
  };
}

export async function benchGate(o: { calls: number }): Promise<GateFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'labrelay-bench-audit-'));
  const scenarios = {
    no_gate: scenario(null, null),
    gate_open: scenario({}, null),
    gate_rules: scenario(RULES, null),
    no_gate_audit: scenario(null, join(dir, 'a.jsonl')),
    gate_rules_audit: scenario(RULES, join(dir, 'b.jsonl')),
  };
  const samples: Record<string, number[]> = {};
  // Interleaved rounds: a slow moment of the machine falls on every scenario alike.
  const rounds = 10;
  for (let r = 0; r < rounds + 1; r++) {
    for (const [name, s] of Object.entries(scenarios)) {
      const taken = await timeCalls(Math.ceil(o.calls / rounds), s.call);
      if (r > 0) (samples[name] ??= []).push(...taken); // round 0 warms up
    }
  }
  for (const s of Object.values(scenarios)) s.close();
  rmSync(dir, { recursive: true, force: true });
  const f = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summarize(v)]));
  return { calls: o.calls, ...(f as Omit<GateFigures, 'calls'>) };
}

/** The gate's added cost per write, against the 20 µs the issue allows. */
export function gateTable(f: GateFigures): string[] {
  const us = (x: number) => `${(x * 1000).toFixed(1)} µs`;
  const added = (a: Latency, b: Latency) => a.p50 - b.p50;
  const row = (name: string, l: Latency, base: Latency | null) =>
    `| ${name} | ${ms(l.p50)} | ${ms(l.p99)} | ${base ? us(added(l, base)) : '—'} | ${
      base ? `${((added(l, base) * 1000) / 20).toFixed(2)}×` : '—'
    } |`;
  return [
    `${f.calls} in-memory driver writes per scenario through the dispatcher (ms; added cost = p50 − the same without the gate; limit 20 µs).`,
    '',
    '| scenario | p50 | p99 | added by the gate | of the 20 µs limit |',
    '|---|---|---|---|---|',
    row('no gate', f.no_gate, null),
    row('gate, no rules', f.gate_open, f.no_gate),
    row('gate, limits + step (present read)', f.gate_rules, f.no_gate),
    row('no gate, audit on', f.no_gate_audit, null),
    row('gate + rules, audit on (started line)', f.gate_rules_audit, f.no_gate_audit),
  ];
}
