import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { encodeNpy } from '../../worker/artifacts/npy.js';
import { encodePng8 } from '../../worker/artifacts/png.js';
import { SimMicroscope } from '../../worker/microscope/sim/sim-microscope.js';
import { labConfig } from '../helpers/lab.js';
import { LabrelayProcess } from '../helpers/labrelay-process.js';
import { connectHttp } from '../helpers/mcp-client.js';
import { freePorts } from '../helpers/ports.js';
import { startFloor, startWorkerAndFrontend } from './bench-processes.js';
import { rawWorkerClient } from './raw-worker-client.js';
import { ms, summarize, type Latency } from './stats.js';

/** Image sides measured, and the scan that gives each (the specimen spans 0…1024). */
const SIDES = [
  { side: 512, scan: { x_center: 256, y_center: 256, size_x: 512, size_y: 512, scan_step: 1 } },
  { side: 1024, scan: { x_center: 512, y_center: 512, size_x: 1024, size_y: 1024, scan_step: 1 } },
  {
    side: 2048,
    scan: { x_center: 512, y_center: 512, size_x: 1024, size_y: 1024, scan_step: 0.5 },
  },
] as const;

/** Reply cache size of the bench's worker (see the memory figure). */
const REPLY_CACHE_ENTRIES = 100;

/** One image side: in-process stages, a direct worker call, and the same through MCP. */
export interface AcquireFigures {
  side: number;
  /** The microscope's scan (sampling, blur, noise) in this process, ms p50. */
  scan_ms: number;
  png_ms: number;
  npy_ms: number;
  direct: Latency;
  mcp: Latency;
}

/** Figures of the imaging benchmark. */
export interface ImagingFigures {
  acquire: AcquireFigures[];
  payload: {
    bytes: number;
    /** Base64 of the same bytes in this process: the limit. */
    base64_in_process: Latency & { mb_per_s: number };
    /** The SDK alone serving a base64 string of the same size (floor-server `payload`). */
    mcp_floor: Latency & { mb_per_s: number };
    direct: Record<PayloadForm, Latency & { mb_per_s: number }>;
    mcp: Record<PayloadForm, Latency & { mb_per_s: number }>;
  };
  memory: { acquisitions: number; side: number; rss_mb: Array<{ after: number; rss_mb: number }> };
}

type PayloadForm = 'encoded_data' | 'numpy_base64';

/**
 * acquire_image at 512², 1024² and 2048² with its PNG, .npy and sidecar, in process stage by
 * stage, through a direct worker call and through MCP over HTTP; get_image_array_payload of a
 * 2048² float32 image against base64 of the same bytes in process; and the worker's resident
 * memory over a run of acquisitions.
 */
export async function benchImaging(options: {
  samples: number;
  acquisitions: number;
}): Promise<ImagingFigures> {
  const { configPath, workerEndpoint: endpoint } = await labConfig({
    diagnostics: false,
    // The reply cache keeps every reply up to 10,000 (~3 KB each here, bounded by design); a
    // small cache keeps it from hiding whether the imaging path itself holds on to memory.
    worker: `  reply_cache: { entries: ${REPLY_CACHE_ENTRIES}, max_bytes: 67108864 }`,
    // Bounds the bench's disk use; retention is part of every acquisition's cost.
    extra: 'imaging:\n  microscope: simulated\n  keep_last: 20\n',
  });
  const [floorPort] = await freePorts(1);
  const processes: LabrelayProcess[] = [];
  const closers: Array<() => unknown> = [];
  try {
    const { worker, url } = await startWorkerAndFrontend(configPath, processes);
    const floorUrl = await startFloor('http', floorPort, processes);

    const direct = rawWorkerClient(endpoint);
    closers.push(direct.close);
    const mcp = await connectHttp(url);
    closers.push(() => mcp.close());
    const floorClient = await connectHttp(floorUrl);
    closers.push(() => floorClient.close());

    const acquire: AcquireFigures[] = [];
    for (const { side, scan } of SIDES) {
      const n = side === 2048 ? Math.max(3, Math.ceil(options.samples / 3)) : options.samples;
      const stages = await inProcessStages(scan, n);
      await direct.call('acquire_image', scan);
      const directRun = await timed(n, () => direct.call('acquire_image', scan));
      const mcpRun = await timed(n, () => mcpCall(mcp, 'acquire_image', scan));
      acquire.push({ side, ...stages, direct: directRun, mcp: mcpRun });
    }

    // The last acquisition above is 2048² float32: 16 MiB of pixels.
    const bytes = 2048 * 2048 * 4;
    const pixels = Buffer.alloc(bytes, 0x5a);
    const n = Math.max(3, Math.ceil(options.samples / 2));
    const throughput = (l: Latency) => ({ ...l, mb_per_s: bytes / 1e6 / (l.p50 / 1000) });
    const base64 = throughput(await timed(n * 2, async () => pixels.toString('base64')));
    await floorClient.callTool({ name: 'payload', arguments: { bytes } });
    const floorRun = throughput(
      await timed(n, () => floorClient.callTool({ name: 'payload', arguments: { bytes } })),
    );
    const args = { buffer_name: 'current' };
    const forms = {} as Record<PayloadForm, { direct: Latency; mcp: Latency }>;
    for (const form of ['encoded_data', 'numpy_base64'] as const) {
      await direct.call('set_config', { name: 'payload_format', value: form });
      await direct.call('get_image_array_payload', args);
      forms[form] = {
        direct: await timed(n, () => direct.call('get_image_array_payload', args)),
        mcp: await timed(n, () => mcpCall(mcp, 'get_image_array_payload', args)),
      };
    }

    // Memory: resident set of the worker process across a long run of 512² acquisitions.
    const rss: Array<{ after: number; rss_mb: number }> = [];
    const small = SIDES[0].scan;
    for (let i = 0; i < 50; i++) await direct.call('acquire_image', small);
    const every = Math.max(1, Math.floor(options.acquisitions / 10));
    rss.push({ after: 0, rss_mb: residentMb(worker.child.pid!) });
    for (let i = 1; i <= options.acquisitions; i++) {
      await direct.call('acquire_image', { ...small, x_center: 200 + (i % 100) });
      if (i % every === 0) rss.push({ after: i, rss_mb: residentMb(worker.child.pid!) });
    }

    return {
      acquire,
      payload: {
        bytes,
        base64_in_process: base64,
        mcp_floor: floorRun,
        direct: {
          encoded_data: throughput(forms.encoded_data.direct),
          numpy_base64: throughput(forms.numpy_base64.direct),
        },
        mcp: {
          encoded_data: throughput(forms.encoded_data.mcp),
          numpy_base64: throughput(forms.numpy_base64.mcp),
        },
      },
      memory: { acquisitions: options.acquisitions, side: 512, rss_mb: rss },
    };
  } finally {
    for (const close of closers) await close();
    await Promise.all(processes.reverse().map((p) => p.stop(3000)));
  }
}

/** The worker's own stages for one scan, in this process, p50 of `n`. */
async function inProcessStages(
  scan: (typeof SIDES)[number]['scan'],
  n: number,
): Promise<{ scan_ms: number; png_ms: number; npy_ms: number }> {
  const microscope = new SimMicroscope(
    [{ name: 'z', lower: 0, upper: 10, initial: 10, trueValue: 3 }],
    { blurFactor: 10, driftFactor: 10, poissonNoiseScale: 100, scanJitter: 0 },
    1,
    Math.min(4, availableParallelism()),
  );
  const op = { sleep: async () => {}, progress: () => {}, checkpoint: () => {} } as never;
  const request = {
    xCenter: scan.x_center,
    yCenter: scan.y_center,
    sizeX: scan.size_x,
    sizeY: scan.size_y,
    step: scan.scan_step,
    dwellUs: 0,
  };
  let image = await microscope.scanImage(request, op);
  const scanRun = await timed(n, async () => (image = await microscope.scanImage(request, op)));
  const pngRun = await timed(n, () => encodePng8(image.data, image.rows, image.cols));
  const npyRun = await timed(n, async () => encodeNpy(image.data, [image.rows, image.cols]));
  await microscope.close();
  return { scan_ms: scanRun.p50, png_ms: pngRun.p50, npy_ms: npyRun.p50 };
}

async function timed(n: number, fn: () => Promise<unknown>): Promise<Latency> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return summarize(samples);
}

async function mcpCall(client: Client, name: string, args: Record<string, unknown>) {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) throw new Error(JSON.stringify(result.content));
  return result;
}

/** VmRSS of a process, MB (Linux /proc). */
function residentMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
  return kb / 1024;
}

/** The imaging figures as markdown tables. */
export function imagingTable(f: ImagingFigures): string[] {
  const acquire = f.acquire.map((a) => {
    const stages = a.scan_ms + a.png_ms + a.npy_ms;
    const target =
      a.side === 1024 ? ` (target ≤ 60 ms: ${a.direct.p50 <= 60 ? 'met' : 'missed'})` : '';
    return (
      `| ${a.side}² | ${ms(a.scan_ms)} | ${ms(a.png_ms)} | ${ms(a.npy_ms)} | ` +
      `${ms(a.direct.p50)} (p90 ${ms(a.direct.p90)})${target} | ${(a.direct.p50 / stages).toFixed(2)}× | ` +
      `${ms(a.mcp.p50)} (+${ms(a.mcp.p50 - a.direct.p50)}) |`
    );
  });
  const p = f.payload;
  const limit = p.base64_in_process.mb_per_s;
  const row = (name: string, l: Latency & { mb_per_s: number }) =>
    `| ${name} | ${ms(l.p50)} | ${l.mb_per_s.toFixed(0)} | ${((l.mb_per_s / limit) * 100).toFixed(1)}% |`;
  const rss = f.memory.rss_mb;
  const growth = rss.at(-1)!.rss_mb - rss[0].rss_mb;
  return [
    '| image | scan (in process) | PNG 8-bit | .npy | acquire_image direct, ms p50 | direct ÷ stages | through MCP HTTP, ms p50 |',
    '|---|---|---|---|---|---|---|',
    ...acquire,
    '',
    `get_image_array_payload of a 2048² float32 image (${(p.bytes / 1e6).toFixed(1)} MB of pixels), MB of pixels per second:`,
    '',
    '| path | ms p50 | MB/s | of in-process base64 |',
    '|---|---|---|---|',
    row('base64 in process (the limit)', p.base64_in_process),
    row("MCP floor: labrelay's transport serving a base64 string of the same size", p.mcp_floor),
    row('direct worker call, encoded_data (default)', p.direct.encoded_data),
    row('direct worker call, numpy_base64', p.direct.numpy_base64),
    row('MCP over HTTP, encoded_data (default)', p.mcp.encoded_data),
    row('MCP over HTTP, numpy_base64', p.mcp.numpy_base64),
    '',
    `Worker resident memory over ${f.memory.acquisitions} acquisitions of ${f.memory.side}² after 50 ` +
      `to warm up: ${rss.map((r) => r.rss_mb.toFixed(0)).join(' → ')} MB ` +
      `(${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MB; reply cache ${REPLY_CACHE_ENTRIES} entries).`,
  ];
}
