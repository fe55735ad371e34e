import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { ROOT } from '../helpers/labrelay-process.js';
import { benchCore, coreTable, coreTargets } from './core.js';

/**
 * `npm run bench`: measures labrelay on this machine and writes the figures as JSON to
 * .bench/results.json (git-ignored) and markdown tables to stdout. Timings live here, never in
 * tests: a test asserts behaviour, a benchmark reports numbers against their limits.
 * `--quick` takes fewer samples, for a smoke run.
 */
const quick = process.argv.includes('--quick');
const machine = { node: process.version, cpus: cpus().length, date: new Date().toISOString() };

const core = await benchCore(quick ? { calls: 300, warmup: 50 } : { calls: 3000, warmup: 300 });
const results = { machine, core: { figures: core, targets: coreTargets(core) } };

const out = join(ROOT, '.bench', 'results.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
const lines = [
  `## labrelay benchmark — Node ${machine.node}, ${machine.cpus} cores, ${machine.date}`,
  '',
  '### Core: one round trip',
  '',
  ...coreTable(core),
  '',
  `JSON: ${out}`,
];
process.stdout.write(lines.join('\n') + '\n');
