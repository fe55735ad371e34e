import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { ROOT } from '../helpers/labrelay-process.js';
import { benchCore, coreTable, coreTargets } from './core.js';
import { benchEaaSync, eaaSyncTable } from './eaa-sync.js';
import { benchCurve, curveTable } from './fleet.js';
import { benchGate, gateTable } from './gate.js';
import { benchGpib, gpibTable } from './gpib.js';
import { benchImaging, imagingTable } from './imaging.js';
import { benchTango, tangoTable } from './tango.js';
import { benchToolList, toolListTable } from './tool-list.js';

/**
 * `npm run bench`: measures labrelay on this machine and writes the figures as JSON to
 * .bench/results.json (git-ignored) and markdown tables to stdout. Timings live here, never in
 * tests: a test asserts behaviour, a benchmark reports numbers against their limits.
 * `--quick` takes fewer samples, for a smoke run; `--only core|gate|tools|gpib|imaging|eaa|fleet|tango` runs one section.
 */
const quick = process.argv.includes('--quick');
const only = process.argv[process.argv.indexOf('--only') + 1];
const run = (section: string) => !process.argv.includes('--only') || only === section;
const machine = { node: process.version, cpus: cpus().length, date: new Date().toISOString() };
const results: Record<string, unknown> = { machine };
const lines = [
  `## labrelay benchmark — Node ${machine.node}, ${machine.cpus} cores, ${machine.date}`,
  '',
];

let floorHttpP50 = Number.NaN;
if (run('core')) {
  const core = await benchCore(quick ? { calls: 300, warmup: 50 } : { calls: 3000, warmup: 300 });
  results.core = { figures: core, targets: coreTargets(core) };
  floorHttpP50 = core.floor_http.p50;
  lines.push('### Core: one round trip', '', ...coreTable(core), '');
}
if (run('gate')) {
  const gate = await benchGate({ calls: quick ? 2000 : 20_000 });
  results.gate = gate;
  lines.push(
    '### Safety gate: what the policy adds to one driver command',
    '',
    ...gateTable(gate),
    '',
  );
}
if (run('tools')) {
  const tools = await benchToolList();
  results.tool_list = tools;
  lines.push('### Context: what tools/list costs an agent', '', ...toolListTable(tools), '');
}
if (run('gpib')) {
  const gpib = await benchGpib({ queries: quick ? 200 : 1000 });
  results.gpib = gpib;
  lines.push(
    '### GPIB: instrument_query on emulated AR488 bridges (inter_command_delay_ms 0)',
    '',
    ...gpibTable(gpib, floorHttpP50),
    '',
  );
}
if (run('imaging')) {
  const imaging = await benchImaging(
    quick ? { samples: 6, acquisitions: 200 } : { samples: 20, acquisitions: 1000 },
  );
  results.imaging = imaging;
  lines.push('### Imaging: the simulated microscope', '', ...imagingTable(imaging), '');
}

if (run('eaa')) {
  const sync = await benchEaaSync({ samples: quick ? 5 : 15 });
  results.eaa_sync = sync;
  lines.push(
    '### EAA buffer sync: get_attribute_payload("image_k") through fastmcp\'s Client over HTTP',
    '',
    ...eaaSyncTable(sync),
    '',
  );
}

if (run('fleet')) {
  const curve = await benchCurve({ calls: quick ? 200 : 2000 });
  results.curve = curve;
  lines.push('### Secured endpoints: ZeroMQ CURVE', '', ...curveTable(curve), '');
}

if (run('tango')) {
  const tango = await benchTango({ calls: quick ? 300 : 2000 });
  results.tango = tango;
  lines.push(
    '### Tango: the bridge worker on Debian TangoTest',
    '',
    ...tangoTable(tango, floorHttpP50),
    '',
  );
}

const out = join(ROOT, '.bench', 'results.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
lines.push(`JSON: ${out}`);
process.stdout.write(lines.join('\n') + '\n');
