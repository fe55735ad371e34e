import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeNpy } from '../../worker/artifacts/npy.js';
import { ENTRY, LabrelayProcess, ROOT, stopAllProcesses } from '../helpers/labrelay-process.js';
import { labConfig } from '../helpers/lab.js';
import { argumentsPythonCannotBind, connectHttp, connectStdio } from '../helpers/mcp-client.js';
import { freePorts } from '../helpers/ports.js';
import { pythonWith } from '../helpers/python.js';
import { until } from '../helpers/until.js';

/*
 * The simulated lab exactly as `npm start` runs it (no config), against the clients EAA and
 * people use: fastmcp's Client (what EAA's MCPTool wraps) over Streamable HTTP and stdio, the
 * SDK's own client, and the MCP Inspector's CLI.
 *
 *   fastmcp / SDK / Inspector ──HTTP /mcp or stdio──▶ frontend ──ZeroMQ──▶ worker (microscope)
 */
const SCRIPT = join(ROOT, 'test', 'helpers', 'eaa_client.py');
const INSPECTOR = join(ROOT, 'node_modules', '.bin', 'mcp-inspector');
let python: string;
let lab: LabrelayProcess;
let url: string;
let workerEndpoint: string;
let stateDir: string;
let client: Client;

beforeAll(async () => {
  python = pythonWith('fastmcp', 'numpy');
  // No config: the events endpoint is the worker's port + 1 (freePorts keeps it free too).
  const [httpPort, workerPort] = await freePorts(2);
  workerEndpoint = `tcp://127.0.0.1:${workerPort}`;
  stateDir = mkdtempSync(join(tmpdir(), 'labrelay-eaa-'));
  lab = LabrelayProcess.spawn(['start', '--port', String(httpPort), '--bind', workerEndpoint], {
    env: { XDG_STATE_HOME: stateDir },
  });
  [, url] = await lab.waitFor(/MCP over Streamable HTTP at (\S+)/);
  // Every bridge bound: the catalog is whole (a GPIB scan adds its drivers' tools), which the
  // frontend knows once list_devices through it shows the five instruments.
  await lab.waitFor(/GPIB: 2 of 2 bridges up/);
  client = await connectHttp(url);
  await until(
    'the five GPIB instruments in list_devices',
    async () => {
      const r = (await client.callTool({ name: 'list_devices', arguments: {} })) as CallToolResult;
      const devices = (r.structuredContent as { devices: Array<{ origin: string }> }).devices;
      return devices.filter((d) => d.origin.startsWith('gpib')).length === 5;
    },
    { timeoutMs: 20_000 },
  );
}, 60_000);
afterAll(async () => {
  await client?.close();
  await stopAllProcesses();
});

/** Runs eaa_client.py SCENARIO against a fastmcp connection config and parses what it prints. */
function eaaClient(connection: object, ...args: string[]): Promise<any> {
  return new Promise((resolve, reject) => {
    execFile(
      python,
      [SCRIPT, JSON.stringify(connection), ...args],
      { maxBuffer: 64 << 20, timeout: 150_000, env: { ...process.env, PYTHONWARNINGS: 'ignore' } },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`eaa_client.py ${args.join(' ')}: ${err.message}\n${stderr}`));
        else resolve(JSON.parse(stdout));
      },
    );
  });
}
const overHttp = () => ({ mcpServers: { labrelay: { url, transport: 'http' } } });
// EAA's stdio form: `labrelay start --stdio` with a config that lifts the stdio message limit
// (fastmcp reads lines of any length; the TypeScript SDK's client does not, hence the default).
const overStdio = async () => {
  const config = await labConfig({
    extra: 'imaging:\n  microscope: simulated\n',
    frontend: '  stdio_max_message_bytes: 0',
  });
  return {
    mcpServers: {
      labrelay: {
        command: process.execPath,
        args: [ENTRY, 'start', '--stdio', '--config', config.configPath],
      },
    },
  };
};

type SyncRow = { side: number; shape: number[]; dtype: string; identical: boolean; text: string[] };

function expectIntactSyncs(out: { rows: SyncRow[] }, sides: number[]) {
  expect(out.rows.map((r) => r.side)).toEqual(sides);
  for (const row of out.rows) {
    expect(row, `${row.side}²`).toMatchObject({
      shape: [row.side, row.side],
      dtype: 'float32',
      identical: true,
    });
    // One copy of the pixels per reply: the text says what they are instead of repeating them.
    expect(row.text).toEqual([
      JSON.stringify({
        encoded_data: {
          type: 'array',
          dtype: 'float32',
          shape: [row.side, row.side],
          data: `<float32 [${row.side}, ${row.side}], ${row.side * row.side * 4} bytes: base64 in structuredContent>`,
        },
      }),
    ]);
  }
}

describe("fastmcp's Client, as EAA's MCPTool uses it", () => {
  it("builds a Python signature for every tool of the simulated lab, as EAA's MCPTool does", async () => {
    const out = await eaaClient(overHttp(), 'catalog');
    expect(out.failures).toEqual([]);
    // The default toolsets: EAA's names exactly as it calls them, the lab's essentials, the
    // stop, and search_tools / call_tool for the rest of the catalog.
    expect(out.tools).toBeLessThanOrEqual(40);
    expect(out.names).toEqual(
      expect.arrayContaining([
        'list_devices',
        'set_parameters',
        'acquire_image',
        'acquire_line_scan',
        'get_image_array_payload',
        'get_attribute_payload',
        'dump_array',
        'set_attribute',
        'set_config',
        'get_current_image_info',
        'get_previous_image_info',
        'get_initial_image_info',
        'stop_all',
        'search_tools',
        'call_tool',
        'instrument_query',
      ]),
    );
  });

  it('syncs image buffers of 350², 1024² and 2048² over Streamable HTTP, each bit for bit its .npy', async () => {
    const out = await eaaClient(overHttp(), 'sync', '350,1024,2048');
    expectIntactSyncs(out, [350, 1024, 2048]);
    // MCPRPCWrapper's syncs after the last acquisition, and the registration's image infos.
    expect(out.buffers).toMatchObject({
      image_k: [2048, 2048],
      image_km1: [1024, 1024],
      psize_k: 0.5,
      psize_km1: 1,
    });
    expect(out.infos).toEqual({
      current: { buffer_name: 'image_k', psize: 0.5, shape: [2048, 2048], dtype: 'float32' },
      previous: { buffer_name: 'image_km1', psize: 1, shape: [1024, 1024], dtype: 'float32' },
      initial: {
        buffer_name: 'image_0',
        psize: out.buffers.psize_0,
        shape: out.buffers.image_0,
        dtype: 'float32',
      },
    });
    expect(out.history.at(-1)).toEqual({
      x_center: 512,
      y_center: 512,
      size_x: 1024,
      size_y: 1024,
      psize_x: 0.5,
      psize_y: 0.5,
    });
  }, 120_000);

  it("reports an autofocus's progress to fastmcp's progress handler, step by step", async () => {
    const out = await eaaClient(overHttp(), 'progress');
    expect(out.result).toMatchObject({ parameter: 'z', metric: 'contrast' });
    // Whole steps (a scan also reports its progress within a step, as fractions), every one
    // before the result: the frontend waits for the worker's progress_end.
    const steps = out.progress.filter((p: { progress: number }) => Number.isInteger(p.progress));
    expect(steps.map((p: { progress: number }) => p.progress)).toEqual([1, 2, 3, 4, 5]);
    for (const p of steps) {
      expect(p.total).toBe(5);
      expect(p.message).toMatch(/^z = [\d.]+: contrast [\d.]+$/);
    }
  }, 60_000);

  it('syncs the same buffers over stdio (labrelay start --stdio)', async () => {
    const out = await eaaClient(await overStdio(), 'sync', '350,1024,2048');
    expectIntactSyncs(out, [350, 1024, 2048]);
  }, 150_000);
});

describe("the SDK's own client", () => {
  type Result = CallToolResult & { structuredContent?: any };
  const acquire = async (side: 1024 | 2048) => {
    const scan =
      side === 2048
        ? { x_center: 512, y_center: 512, size_x: 1024, size_y: 1024, scan_step: 0.5 }
        : { x_center: 512, y_center: 512, size_x: 1024, size_y: 1024, scan_step: 1 };
    const r = (await client.callTool({ name: 'acquire_image', arguments: scan })) as Result;
    expect(r.isError).toBeFalsy();
    return decodeNpy(readFileSync(r.structuredContent.raw_data_path));
  };

  it('gets a 2048² payload whole, also when it asked for progress', async () => {
    const expected = await acquire(2048);
    let progressEvents = 0;
    const r = (await client.callTool(
      { name: 'get_attribute_payload', arguments: { name: 'image_k' } },
      undefined,
      { onprogress: () => progressEvents++ },
    )) as Result;
    const payload = r.structuredContent.result.encoded_data;
    expect(payload).toMatchObject({ type: 'array', dtype: 'float32', shape: [2048, 2048] });
    const bytes = Buffer.from(payload.data, 'base64');
    expect(bytes.equals(Buffer.from(expected.data.buffer))).toBe(true);
    // Nothing to report on a read from memory: the reply came as one JSON body.
    expect(progressEvents).toBe(0);
  });

  it('gets progress from a long call (autofocus) before its result', async () => {
    const steps: number[] = [];
    const r = (await client.callTool(
      { name: 'autofocus', arguments: { steps: 7, size: 64 } },
      undefined,
      {
        onprogress: (p) => void (Number.isInteger(p.progress) && steps.push(p.progress)),
        resetTimeoutOnProgress: true,
      },
    )) as Result;
    expect(r.isError).toBeFalsy();
    expect(steps).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(r.structuredContent.steps).toHaveLength(7);
  });

  it('over stdio, gets 1024² whole; past its 10 MiB line limit, an error that says so, and the session goes on', async () => {
    const expected = await acquire(1024);
    const { client: stdio } = await connectStdio([
      'frontend',
      '--stdio',
      '--worker',
      workerEndpoint,
    ]);
    try {
      const payload = async () =>
        (await stdio.callTool({
          name: 'get_attribute_payload',
          arguments: { name: 'image_k' },
        })) as Result;
      const small = (await payload()).structuredContent.result.encoded_data;
      expect(small.shape).toEqual([1024, 1024]);
      expect(Buffer.from(small.data, 'base64').equals(Buffer.from(expected.data.buffer))).toBe(
        true,
      );
      await acquire(2048);
      const large = await payload();
      expect(large.isError).toBe(true);
      expect((large.content[0] as { text: string }).text).toMatch(
        /^this result is 21\.3 MiB, over the 10\.0 MiB a message may have on stdio here \(frontend\.stdio_max_message_bytes;.*dump_array.*Streamable HTTP/,
      );
      const info = (await stdio.callTool({
        name: 'get_current_image_info',
        arguments: {},
      })) as Result;
      expect(info.structuredContent).toMatchObject({ shape: [2048, 2048] });
    } finally {
      await stdio.close();
    }
  });

  it('lists only argument names a Python client can bind', async () => {
    expect(argumentsPythonCannotBind((await client.listTools()).tools)).toEqual([]);
  });
});

describe("the MCP Inspector's CLI", () => {
  const inspect = (...args: string[]): Promise<any> =>
    new Promise((resolve, reject) => {
      execFile(
        process.execPath,
        [INSPECTOR, '--cli', ...args],
        {
          maxBuffer: 64 << 20,
          timeout: 60_000,
          env: { ...process.env, LABRELAY_LOG_LEVEL: 'warn' },
        },
        (err, stdout, stderr) => {
          if (err) reject(new Error(`mcp-inspector --cli: ${err.message}\n${stderr}`));
          else resolve(JSON.parse(stdout));
        },
      );
    });
  const call = ['--method', 'tools/call', '--tool-name', 'get_attribute_payload'];

  const acquired = async (scan_step: number) => {
    const r = (await client.callTool({
      name: 'acquire_image',
      arguments: { x_center: 512, y_center: 512, size_x: 1024, size_y: 1024, scan_step },
    })) as CallToolResult & { structuredContent?: any };
    return Buffer.from(decodeNpy(readFileSync(r.structuredContent.raw_data_path)).data.buffer);
  };
  const intact = (result: any, side: number, expected: Buffer) => {
    const payload = result.structuredContent.result.encoded_data;
    expect(payload.shape).toEqual([side, side]);
    expect(Buffer.from(payload.data, 'base64').equals(expected)).toBe(true);
  };

  it('gets a 2048² payload whole over Streamable HTTP', async () => {
    const expected = await acquired(0.5);
    intact(
      await inspect(url, '--transport', 'http', ...call, '--tool-arg', 'name=image_k'),
      2048,
      expected,
    );
  }, 60_000);

  it('gets a 1024² payload whole over stdio (its client reads lines up to 10 MiB)', async () => {
    const expected = await acquired(1);
    // The Inspector spawns a frontend of its own, on the same worker.
    const stdio = [process.execPath, ENTRY, 'frontend', '--stdio', '--worker', workerEndpoint];
    intact(await inspect(...stdio, ...call, '--tool-arg', 'name=image_k'), 1024, expected);
  }, 60_000);
});
