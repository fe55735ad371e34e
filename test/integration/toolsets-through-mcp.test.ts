import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { WorkerClient } from '../../frontend/worker-client/index.js';
import { parseInstrumentSpec } from '../../worker/sim/ar488/instrument-spec.js';
import { startAr488Sim } from '../../worker/sim/ar488/start.js';
import { benchLabSections, startLab, type Lab } from '../helpers/lab.js';
import { stopAllProcesses } from '../helpers/labrelay-process.js';
import { connectHttp } from '../helpers/mcp-client.js';
import { until } from '../helpers/until.js';

/*
 * What an agent's context holds: the default toolsets list the lab's essentials, and search_tools
 * with call_tool reach every other tool of the catalog under the same rules — validation, the
 * configuration's blocks, the safety policy, progress and cancellation.
 */
type Sim = Awaited<ReturnType<typeof startAr488Sim>>;
type Result = CallToolResult & { structuredContent?: any };
let bench: Sim;
let lab: Lab;
let client: Client;

const text = (r: Result) => (r.content as Array<{ text: string }>)[0].text;
const callTool = (name: string, args: Record<string, unknown> = {}) =>
  client.callTool({ name: 'call_tool', arguments: { name, arguments: args } }) as Promise<Result>;

const config = (port: number) =>
  stringify(
    benchLabSections(port, {
      devices: { attribute_tools: true, blocked_functions: { HP34401A: ['display_text'] } },
      policy: {
        rules: [
          {
            name: 'P25V',
            classes: ['HPE3631A'],
            when: { channel: 'P25V' },
            settings: ['voltage'],
            hard: { max: 20 },
          },
        ],
      },
    }),
  );

beforeAll(async () => {
  bench = await startAr488Sim({
    profile: 'esp32',
    instruments: parseInstrumentSpec('5=hp-e3631a,22=hp34401a'),
    tcp: { host: '127.0.0.1', port: 0 },
  });
  lab = await startLab([], { extra: config(bench.tcp!.port), frontend: '  toolsets: [default]' });
  client = await connectHttp(lab.url);
  // The instruments' classes are in the catalog once the bus scan bound them.
  await until('the HP34401A bound', async () =>
    ((await callTool('list_devices')) as Result).structuredContent?.devices?.some(
      (d: any) => d.class === 'HP34401A',
    ),
  );
}, 40_000);

afterAll(async () => {
  await client?.close();
  await stopAllProcesses();
  await bench?.close();
});

describe('the default toolsets', () => {
  it("list at most 40 tools in at most 40 KB, with EAA's names, the stop and search_tools/call_tool", async () => {
    const { tools } = await client.listTools();
    expect(tools.length).toBeLessThanOrEqual(40);
    expect(JSON.stringify({ tools }).length).toBeLessThanOrEqual(40 * 1024);
    const names = tools.map((t) => t.name);
    for (const name of [
      'set_parameters',
      'acquire_image',
      'get_attribute_payload',
      'stop_all',
      'search_tools',
      'call_tool',
      'instrument_query',
    ]) {
      expect(names).toContain(name);
    }
    expect(names).not.toContain('HP34401A_measure_voltage_dc');
    // No zod safe-integer bounds left in what is listed.
    expect(JSON.stringify(tools)).not.toContain('9007199254740991');
  });
});

describe('search_tools', () => {
  it('finds HP34401A_measure_voltage_dc for "measure dc voltage on the 34401A multimeter", with its schema', async () => {
    const r = (await client.callTool({
      name: 'search_tools',
      arguments: { query: 'measure dc voltage on the 34401A multimeter' },
    })) as Result;
    const [first] = r.structuredContent.tools;
    expect(first).toMatchObject({
      name: 'HP34401A_measure_voltage_dc',
      listed: false,
      writes: false,
      inputSchema: { type: 'object', properties: { range: {}, resolution: {} } },
    });
  });
});

describe('call_tool reaches the whole catalog under the same rules', () => {
  it('every tool of the catalog is reached: it answers, or its worker names what is missing', async () => {
    const worker = new WorkerClient({ endpoint: lab.workerEndpoint, events: false });
    const described = await worker.describe();
    worker.close();
    // The calls that would stop the lab or wait for a person are tested on their own below.
    const skip = new Set(['stop_all']);
    const names = described.methods.filter((m) => m.mcp && !skip.has(m.name)).map((m) => m.name);
    expect(names.length).toBeGreaterThan(100);
    for (const name of names) {
      const r = await callTool(name, {});
      const said = text(r);
      // Reached: a result, or an error from the worker (INVALID_PARAMS naming the field, BLOCKED…).
      expect(said, name).not.toMatch(/no tool named|Tool .* not found/);
      if (r.isError) expect(said, name).toMatch(/\[[A-Z_]+\]$/);
    }
  }, 120_000);

  it('gives the same results as a listed call', async () => {
    const listed = (await client.callTool({ name: 'list_devices', arguments: {} })) as Result;
    expect((await callTool('list_devices')).structuredContent).toEqual(listed.structuredContent);
    const settings = await callTool('HPE3631A_get_settings');
    const direct = (await client.callTool({
      name: 'HPE3631A_get_settings',
      arguments: {},
    })) as Result;
    expect(settings.structuredContent).toEqual(direct.structuredContent);
  });

  it('keeps a blocked tool blocked, an out-of-range argument invalid, a refused write refused', async () => {
    expect(text(await callTool('HP34401A_display_text', { text: 'HI' }))).toMatch(/\[BLOCKED\]$/);
    const invalid = text(
      await callTool('HPE3631A_set_output', { channel: 'P25V', voltage: 99, current_limit: 0.1 }),
    );
    expect(invalid).toMatch(/voltage.*\[INVALID_PARAMS\]$/);
    const refused = text(
      await callTool('HPE3631A_set_output', { channel: 'P25V', voltage: 21, current_limit: 0.1 }),
    );
    expect(refused).toMatch(/hard maximum 20 of rule "P25V".*\[REFUSED\]$/);
    expect(text(await callTool('No_such_tool'))).toMatch(/no tool named "No_such_tool"/);
  });

  it('relays progress and cancels through it', async () => {
    const steps: number[] = [];
    const controller = new AbortController();
    const call = client.callTool(
      {
        name: 'call_tool',
        arguments: { name: 'diag_sleep', arguments: { duration_ms: 5000, steps: 50 } },
      },
      undefined,
      {
        onprogress: (p) => {
          steps.push(p.progress);
          if (steps.length === 3) controller.abort('enough');
        },
        signal: controller.signal,
      },
    );
    await expect(call).rejects.toThrow();
    expect(steps.length).toBeGreaterThanOrEqual(3);
    // The worker stops it too: nothing is left running.
    await expect
      .poll(async () => JSON.stringify((await callTool('worker_status')).structuredContent), {
        timeout: 5000,
      })
      .not.toContain('diag_sleep');
  });

  it('a tool outside the listed toolsets also runs when called by its name', async () => {
    const r = (await client.callTool({
      name: 'HP34401A_measure_voltage_dc',
      arguments: {},
    })) as Result;
    expect(r.isError).toBeFalsy();
    expect(typeof r.structuredContent.result).toBe('number');
  });
});

describe('--read-only', () => {
  let readOnly: Lab;
  let roClient: Client;
  beforeAll(async () => {
    readOnly = await startLab(['--read-only'], { extra: config(bench.tcp!.port) });
    roClient = await connectHttp(readOnly.url);
  }, 30_000);
  afterAll(async () => {
    await roClient?.close();
  });

  it('lists no tool that writes, and the worker refuses a write sent to it directly', async () => {
    const { tools } = await roClient.listTools();
    const writers = tools.filter((t) => !t.annotations?.readOnlyHint).map((t) => t.name);
    // Only the stop and the call tool (which refuses writes itself) may write.
    expect(writers.sort()).toEqual(['call_tool', 'stop_all']);
    expect(tools.length).toBeGreaterThan(10);
    const viaCall = (await roClient.callTool({
      name: 'call_tool',
      arguments: { name: 'diag_counter_increment', arguments: { lane: 'x' } },
    })) as Result;
    expect(text(viaCall)).toMatch(/read-only.*\[REFUSED\]/);
    const worker = new WorkerClient({ endpoint: readOnly.workerEndpoint, events: false });
    try {
      const reply = await worker.request('diag_counter_increment', { lane: 'x' });
      expect(reply).toMatchObject({
        status: 'error',
        code: 'REFUSED',
        data: { rule: 'policy.writes: deny' },
      });
    } finally {
      worker.close();
    }
  });
});
