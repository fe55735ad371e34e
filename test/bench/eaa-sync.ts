import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { labConfig } from '../helpers/lab.js';
import { ROOT, type LabrelayProcess } from '../helpers/labrelay-process.js';
import { freePorts } from '../helpers/ports.js';
import { pythonWith } from '../helpers/python.js';
import { startFloor, startWorkerAndFrontend } from './bench-processes.js';
import { rawWorkerClient } from './raw-worker-client.js';
import { ms, summarize, timeCalls, type Latency } from './stats.js';

const SIDES = [512, 1024, 2048] as const;
const SCRIPT = join(ROOT, 'test', 'helpers', 'eaa_client.py');

type Row = Latency & { mb_per_s: number };

/** One image side: a buffer sync as EAA's task managers make it, and its limits. */
export interface SyncFigures {
  side: number;
  /** Pixels: side² float32. */
  bytes: number;
  /** Base64 of the same bytes in this process: the limit. */
  base64_in_process: Row;
  /** The SDK alone (its transport, JSON response mode) returning a base64 string that size. */
  sdk_floor: Row;
  /** labrelay's own transport returning the same string, no worker: what the frontend adds. */
  transport_floor: Row;
  /** get_attribute_payload("image_k") as a bench script makes it, straight to the worker. */
  direct: Row;
  /** get_attribute_payload("image_k") through fastmcp's Client over Streamable HTTP, decoded. */
  fastmcp: Row;
}

/**
 * A buffer sync — `get_attribute_payload("image_k")` after an acquisition, decoded to a numpy
 * array as EAA's MCPRPCWrapper does — from fastmcp's Client (EAA's) over Streamable HTTP, at
 * 512², 1024² and 2048² float32, beside the same client fetching the same number of bytes from
 * the SDK alone, and base64 in process. MB/s are of pixels.
 */
export async function benchEaaSync(options: { samples: number }): Promise<SyncFigures[]> {
  const python = pythonWith('fastmcp', 'numpy');
  const { configPath, workerEndpoint } = await labConfig({
    diagnostics: false,
    extra: 'imaging:\n  microscope: simulated\n  keep_last: 5\n',
  });
  const [sdkPort, transportPort] = await freePorts(2);
  const processes: LabrelayProcess[] = [];
  const direct = rawWorkerClient(workerEndpoint);
  try {
    const { url } = await startWorkerAndFrontend(configPath, processes);
    const floors = {
      sdk: await startFloor('sdk-json', sdkPort, processes),
      transport: await startFloor('http', transportPort, processes),
    };

    const sides = SIDES.join(',');
    const n = String(options.samples);
    const http = (u: string) => ({ mcpServers: { bench: { url: u, transport: 'http' } } });
    const lab = await run(python, http(url), 'bench', sides, n);
    const sdk = await run(python, http(floors.sdk), 'floor', sides, n);
    const transport = await run(python, http(floors.transport), 'floor', sides, n);

    const figures: SyncFigures[] = [];
    for (const [i, side] of SIDES.entries()) {
      const bytes = side * side * 4;
      const row = (samples: number[]): Row => {
        const l = summarize(samples);
        return { ...l, mb_per_s: bytes / 1e6 / (l.p50 / 1000) };
      };
      const pixels = Buffer.alloc(bytes, 0x5a);
      const base64 = await timeCalls(options.samples * 2, async () => pixels.toString('base64'));
      await direct.call('acquire_image', scanOf(side));
      const directRun = await timeCalls(options.samples, () =>
        direct.call('get_attribute_payload', { name: 'image_k' }),
      );
      figures.push({
        side,
        bytes,
        base64_in_process: row(base64),
        sdk_floor: row(sdk.rows[i].ms),
        transport_floor: row(transport.rows[i].ms),
        direct: row(directRun),
        fastmcp: row(lab.rows[i].ms),
      });
    }
    return figures;
  } finally {
    await direct.close();
    await Promise.all(processes.reverse().map((p) => p.stop(3000)));
  }
}

/** The scans eaa_client.py takes for a side (the specimen spans 0…1024). */
function scanOf(side: number) {
  return side === 2048
    ? { x_center: 512, y_center: 512, size_x: 1024, size_y: 1024, scan_step: 0.5 }
    : { x_center: side / 2, y_center: side / 2, size_x: side, size_y: side, scan_step: 1 };
}

function run(python: string, connection: object, ...args: string[]): Promise<any> {
  return new Promise((resolve, reject) =>
    execFile(
      python,
      [SCRIPT, JSON.stringify(connection), ...args],
      { maxBuffer: 16 << 20, env: { ...process.env, PYTHONWARNINGS: 'ignore' } },
      (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(JSON.parse(stdout)),
    ),
  );
}

/** The sync figures as a markdown table, each path against the SDK's floor and the limit. */
export function eaaSyncTable(figures: SyncFigures[]): string[] {
  const lines = [
    '| image | path | ms p50 (p90) | MB/s of pixels | of the SDK floor | of in-process base64 |',
    '|---|---|---|---|---|---|',
  ];
  for (const f of figures) {
    const row = (name: string, r: Row) =>
      `| ${f.side}² (${(f.bytes / 1e6).toFixed(1)} MB) | ${name} | ${ms(r.p50)} (${ms(r.p90)}) | ` +
      `${r.mb_per_s.toFixed(0)} | ${((r.mb_per_s / f.sdk_floor.mb_per_s) * 100).toFixed(0)}% | ` +
      `${((r.mb_per_s / f.base64_in_process.mb_per_s) * 100).toFixed(1)}% |`;
    lines.push(
      row('base64 in process (the limit)', f.base64_in_process),
      row('fastmcp ← the SDK alone (JSON response mode): the floor', f.sdk_floor),
      row("fastmcp ← labrelay's transport alone, no worker", f.transport_floor),
      row('bench script → worker, direct', f.direct),
      row('**fastmcp → labrelay: get_attribute_payload + decode**', f.fastmcp),
    );
  }
  const at1024 = figures.find((f) => f.side === 1024);
  if (at1024) {
    const ratio = at1024.fastmcp.mb_per_s / at1024.sdk_floor.mb_per_s;
    lines.push(
      '',
      `Targets at 1024²: ≥ 70% of the floor — ${(ratio * 100).toFixed(0)}% (${ratio >= 0.7 ? 'met' : 'missed'}); ` +
        `under 100 ms — ${ms(at1024.fastmcp.p50)} ms (${at1024.fastmcp.p50 < 100 ? 'met' : 'missed'}).`,
    );
  }
  return lines;
}
