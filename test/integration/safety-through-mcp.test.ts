import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { WorkerClient } from '../../frontend/worker-client/index.js';
import { SIM_LAB_POLICY } from '../../launcher/sim-lab.js';
import { parseInstrumentSpec } from '../../worker/sim/ar488/instrument-spec.js';
import { startAr488Sim } from '../../worker/sim/ar488/start.js';
import { isolatingFetch } from '../helpers/isolating-fetch.js';
import { benchLabSections, startLab, type Lab } from '../helpers/lab.js';
import { ENTRY, stopAllProcesses } from '../helpers/labrelay-process.js';
import { connectHttp } from '../helpers/mcp-client.js';
import { until } from '../helpers/until.js';

/*
 * The simulated lab's safety policy, end to end: an emulated E3631A behind an AR488 bridge and
 * the simulated microscope, a labrelay worker and frontend as processes, and the people's side
 * as they use it — an MCP client whose user answers elicitation, and `labrelay approve | deny |
 * resume` on the command line. The supply's state is read back from the emulator over the bus.
 */
type Sim = Awaited<ReturnType<typeof startAr488Sim>>;
type Result = CallToolResult & { structuredContent?: any };
let bench: Sim;
let lab: Lab;
let plain: Client;

const run = promisify(execFile);
const cli = (...args: string[]) =>
  run(process.execPath, [ENTRY, ...args, '--config', lab.configPath]).then(
    (r) => ({ code: 0, stdout: r.stdout }),
    (e) => ({ code: e.code as number, stdout: String(e.stdout) + String(e.stderr) }),
  );

const call = (client: Client, name: string, args: Record<string, unknown> = {}) =>
  client.callTool({ name, arguments: args }) as Promise<Result>;

/** The P25V setting as the emulated supply answers APPL? P25V: [volts, amps]. */
async function p25v(): Promise<number[]> {
  const r = await call(plain, 'instrument_query', {
    bridge_name: 'bench',
    address: 5,
    command: 'APPL? P25V',
  });
  return r.structuredContent.response.replace(/"/g, '').split(',').map(Number);
}

/** The pending approvals, polled from the CLI until `count` are there. */
async function pending(count = 1): Promise<string[]> {
  return until(`${count} pending approval(s)`, async () => {
    const { stdout } = await cli('approvals');
    const lines = stdout.trim().split('\n').filter(Boolean);
    return lines.length >= count && lines;
  });
}

/** The SDK's client declaring elicitation, its user answering with `answer`. */
async function askingClient(answer: (message: string) => { action: string; content?: any }) {
  const client = new Client(
    { name: 'elicit-test', version: '1.0.0' },
    { capabilities: { elicitation: { form: {} } } },
  );
  const asked: string[] = [];
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    asked.push(request.params.message);
    return answer(request.params.message) as never;
  });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(lab.url), { fetch: isolatingFetch }),
  );
  return { client, asked };
}

beforeAll(async () => {
  bench = await startAr488Sim({
    profile: 'esp32',
    instruments: parseInstrumentSpec('5=hp-e3631a'),
    tcp: { host: '127.0.0.1', port: 0 },
  });
  lab = await startLab([], {
    extra: stringify(benchLabSections(bench.tcp!.port, { policy: SIM_LAB_POLICY })),
  });
  plain = await connectHttp(lab.url);
  await until('the E3631A bound', async () =>
    (await plain.listTools()).tools.some((t) => t.name === 'HPE3631A_set_output'),
  );
  await call(plain, 'HPE3631A_set_output', { channel: 'P25V', voltage: 5, current_limit: 0.1 });
}, 40_000);

afterAll(async () => {
  await plain?.close();
  await stopAllProcesses();
  await bench?.close();
});

describe('limits', () => {
  it('refuses 25 V on P25V, typed or raw, naming the rule; the supply stays at 5 V', async () => {
    const typed = await call(plain, 'HPE3631A_set_output', {
      channel: 'P25V',
      voltage: 25,
      current_limit: 0.1,
    });
    expect(typed.isError).toBe(true);
    expect((typed.content as Array<{ text: string }>)[0].text).toMatch(
      /voltage 25 is above the hard maximum 20 of rule "E3631A \+25 V output".*\[REFUSED\]/,
    );
    const raw = await call(plain, 'instrument_write', {
      bridge_name: 'bench',
      address: 5,
      command: 'OUTP OFF;APPL P25V,25',
    });
    expect(raw.isError).toBe(true);
    expect(JSON.stringify(raw.content)).toMatch(/REFUSED/);
    expect(await p25v()).toEqual([5, 0.1]);
  });

  it('a write reports the commands on the wire', async () => {
    const r = await call(plain, 'HPE3631A_set_output', {
      channel: 'P25V',
      voltage: 6,
      current_limit: 0.1,
    });
    expect(r.isError).toBeFalsy();
    expect(JSON.stringify(r.content)).toContain('APPL P25V,6,0.1');
  });

  it('a bench script calling the worker directly meets the same limits', async () => {
    const worker = new WorkerClient({ endpoint: lab.workerEndpoint, events: false });
    try {
      const reply = await worker.request('HPE3631A_set_output', {
        channel: 'P25V',
        voltage: 21,
        current_limit: 0.1,
      });
      expect(reply).toMatchObject({ status: 'error', code: 'REFUSED' });
      const step = await worker.request('Microscope_set_voltage', { value: 300 });
      expect(step).toMatchObject({ status: 'error', code: 'REFUSED' });
    } finally {
      worker.close();
    }
  });
});

describe('approval', () => {
  it('through elicitation: accept runs the write, decline leaves the supply unchanged', async () => {
    const yes = await askingClient(() => ({ action: 'accept', content: { approve: true } }));
    const ok = await call(yes.client, 'HPE3631A_set_output', {
      channel: 'P25V',
      voltage: 15,
      current_limit: 0.1,
    });
    expect(ok.isError).toBeFalsy();
    expect(yes.asked[0]).toMatch(/voltage 15 is above the soft maximum 12/);
    expect(await p25v()).toEqual([15, 0.1]);
    await yes.client.close();

    const no = await askingClient(() => ({ action: 'decline' }));
    const refused = await call(no.client, 'HPE3631A_set_output', {
      channel: 'P25V',
      voltage: 18,
      current_limit: 0.1,
    });
    expect(refused.isError).toBe(true);
    expect(JSON.stringify(refused.content)).toMatch(/APPROVAL_DENIED/);
    expect(await p25v()).toEqual([15, 0.1]);
    await no.client.close();
  });

  it('without elicitation the call waits until `labrelay approve`; `labrelay deny` fails it', async () => {
    const waiting = call(plain, 'HPE3631A_set_output', {
      channel: 'P25V',
      voltage: 13,
      current_limit: 0.1,
    });
    const [line] = await pending();
    expect(line).toMatch(
      /^\w{6}  \d+s  bench\/5  HPE3631A_set_output  .*"voltage":13.*E3631A \+25 V output$/,
    );
    expect((await cli('approve', line.split(' ')[0])).code).toBe(0);
    expect((await waiting).isError).toBeFalsy();
    expect(await p25v()).toEqual([13, 0.1]);

    const denied = call(plain, 'HPE3631A_output_on');
    const [next] = await pending();
    expect((await cli('deny', next.split(' ')[0])).code).toBe(0);
    const r = await denied;
    expect(r.isError).toBe(true);
    expect(JSON.stringify(r.content)).toMatch(/denied approval.*APPROVAL_DENIED/);
    // The model cannot decide: no tool approves, resumes or unlocks.
    const names = (await plain.listTools()).tools.map((t) => t.name);
    expect(names).toContain('stop_all');
    for (const n of ['approval_decide', 'approvals_list', 'resume', 'lock'])
      expect(names).not.toContain(n);
  });
});

describe('stop_all', () => {
  it('during a mosaic: the mosaic ends, outputs off, writes refused and reads work until a person resumes', async () => {
    // Outputs on first (approved on the command line), so the stop has something to turn off.
    const on = call(plain, 'HPE3631A_output_on');
    const [line] = await pending();
    await cli('approve', line.split(' ')[0]);
    expect((await on).structuredContent).toMatchObject({ output_enabled: true });

    const mosaic = call(plain, 'acquire_mosaic', { tiles_x: 2, tiles_y: 2, dwell_us: 50 });
    await until('the mosaic running', async () =>
      JSON.stringify((await call(plain, 'worker_status')).structuredContent).includes(
        'acquire_mosaic',
      ),
    );
    const stop = await call(plain, 'stop_all', { reason: 'test' });
    expect(stop.isError).toBeFalsy();
    expect(JSON.stringify(stop.structuredContent)).toContain('OUTP OFF');
    const ended = await mosaic;
    expect(ended.isError).toBe(true);
    expect(JSON.stringify(ended.content)).toMatch(/CANCELLED/);

    const state = await call(plain, 'instrument_query', {
      bridge_name: 'bench',
      address: 5,
      command: 'OUTP?',
    });
    expect(state.structuredContent.response).toBe('0');
    const write = await call(plain, 'HPE3631A_set_output', {
      channel: 'P6V',
      voltage: 1,
      current_limit: 0.1,
    });
    expect(JSON.stringify(write.content)).toMatch(/LAB_STOPPED/);
    expect((await call(plain, 'HPE3631A_get_settings')).isError).toBeFalsy();

    expect((await cli('resume')).code).toBe(0);
    const again = await call(plain, 'HPE3631A_set_output', {
      channel: 'P6V',
      voltage: 1,
      current_limit: 0.1,
    });
    expect(again.isError).toBeFalsy();
  });
});
