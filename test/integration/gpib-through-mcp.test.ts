import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseInstrumentSpec } from '../../worker/sim/ar488/instrument-spec.js';
import { startAr488Sim } from '../../worker/sim/ar488/start.js';
import { startLab } from '../helpers/lab.js';
import { stopAllProcesses } from '../helpers/labrelay-process.js';
import { connectHttp, isRunning } from '../helpers/mcp-client.js';

/*
 * Two emulated AR488 bridges in this process, reached for real by a labrelay worker process:
 *
 *   MCP client ──HTTP──▶ frontend ──ZMQ──▶ worker ──TCP────────────▶ bench-a (ESP32 firmware)
 *                                                 ──socat pty pair──▶ bench-b (Twilight, serial)
 */
type Sim = Awaited<ReturnType<typeof startAr488Sim>>;
type Result = CallToolResult & { structuredContent?: any };
let benchA: Sim;
let benchB: Sim;
let client: Client;

const call = (name: string, args: Record<string, unknown> = {}) =>
  client.callTool({ name, arguments: args }) as Promise<Result>;

beforeAll(async () => {
  benchA = await startAr488Sim({
    profile: 'esp32',
    instruments: parseInstrumentSpec('22=hp34401a,5=hp-e3631a'),
    tcp: { host: '127.0.0.1', port: 0 },
  });
  benchB = await startAr488Sim({
    profile: 'twilight-0.53.04',
    instruments: parseInstrumentSpec('16=keithley2000,7=hp34401a,1=tek-scope'),
    pty: { path: join(mkdtempSync(join(tmpdir(), 'labrelay-pty-')), 'bench-b.tty') },
  });
  const lab = await startLab([], {
    extra: [
      'gpib:',
      '  bridges:',
      '    - name: bench-a',
      '      transport: tcp',
      '      host: 127.0.0.1',
      `      port: ${benchA.tcp!.port}`,
      '      inter_command_delay_ms: 0',
      '      firmware: esp32',
      '    - name: bench-b',
      '      transport: serial',
      `      port: ${benchB.pty!.path}`,
      '      inter_command_delay_ms: 0',
      '',
    ].join('\n'),
  });
  client = await connectHttp(lab.url);
  // Both bridges connect and scan in the background once the worker is up.
  for (let waited = 0; ; waited += 200) {
    const listed = (await call('list_instruments')).structuredContent?.instruments ?? [];
    if (listed.length === 5) break;
    if (waited > 15_000) throw new Error(`bridges did not come up: ${JSON.stringify(listed)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}, 30_000);

afterAll(async () => {
  await client?.close();
  await stopAllProcesses();
  await benchA?.close();
  await benchB?.close();
});

it('finds and identifies the instruments on both buses, over TCP and over the serial pty', async () => {
  const { instruments } = (await call('list_instruments')).structuredContent;
  expect(instruments.map((i: any) => [i.bridge_name, i.address, i.identity?.model])).toEqual([
    ['bench-a', 5, 'E3631A'],
    ['bench-a', 22, '34401A'],
    ['bench-b', 1, 'TDS 2024B'],
    ['bench-b', 7, '34401A'],
    ['bench-b', 16, 'MODEL 2000'],
  ]);
  const status = (await call('bridge_status', { bridge_name: 'bench-b' })).structuredContent;
  expect(status).toMatchObject({
    transport: 'serial',
    connection_state: 'connected',
    listener_search: 'fndl',
  });
});

it('2 bridges × 100 concurrent queries: every answer from the right instrument, no bus interleaved, both buses at once', async () => {
  const markA = benchA.emulator.log.length;
  const markB = benchB.emulator.log.length;
  const plan = Array.from({ length: 200 }, (_, i) => {
    const bridge = i % 2 === 0 ? 'bench-a' : 'bench-b';
    const address = bridge === 'bench-a' ? (i % 4 === 0 ? 22 : 5) : i % 4 === 1 ? 16 : 7;
    return { bridge, address };
  });
  const results = await Promise.all(
    plan.map(({ bridge, address }) =>
      call('instrument_query', { bridge_name: bridge, address, command: '*IDN?' }),
    ),
  );
  const model: Record<number, string> = {
    22: '34401A',
    5: 'E3631A',
    16: 'MODEL 2000',
    7: '34401A',
  };
  results.forEach((r, i) => {
    expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
    expect(r.structuredContent.response.split(',')[1]).toBe(model[plan[i].address]);
  });

  for (const [sim, mark, name] of [
    [benchA, markA, 'bench-a'],
    [benchB, markB, 'bench-b'],
  ] as const) {
    const lines = sim.emulator.log.slice(mark).map((e) => e.text);
    // Each transaction is [++addr N,] *IDN?, ++read eoi: nothing of another call in between.
    for (let i = 0; i < lines.length; i++) {
      if (lines[i] === '*IDN?') expect(lines[i + 1], `line ${i} on ${name}`).toBe('++read eoi');
      if (lines[i] === '++read eoi') expect(lines[i - 1], `line ${i} on ${name}`).toBe('*IDN?');
    }
    expect(lines.filter((l) => l === '*IDN?')).toHaveLength(100);
  }
  // The buses worked at the same time: each one's work began before the other's ended.
  const span = (sim: Sim, mark: number) => {
    const times = sim.emulator.log.slice(mark).map((e) => e.at);
    return [Math.min(...times), Math.max(...times)];
  };
  const [a0, a1] = span(benchA, markA);
  const [b0, b1] = span(benchB, markB);
  expect(a0).toBeLessThan(b1);
  expect(b0).toBeLessThan(a1);
});

it('reads a binary block holding CR and LF bytes whole over the serial link, into an artifact', async () => {
  const result = await call('instrument_query_binary', {
    bridge_name: 'bench-b',
    address: 1,
    command: 'CURV?',
  });
  expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
  const r = result.structuredContent;
  expect(r).toMatchObject({ bytes: 2500, header: '#42500' });
  const data = readFileSync(r.artifact_path);
  expect(data.length).toBe(2500);
  expect(data.includes(0x0a) && data.includes(0x0d)).toBe(true);
  expect(createHash('sha256').update(data).digest('hex')).toBe(r.sha256);
  expect(JSON.parse(readFileSync(r.metadata_path, 'utf8'))).toMatchObject({
    address: 1,
    command: 'CURV?',
    bytes: 2500,
  });
});

it('serves one TCP client at a time, as the ESP32 firmware: a second connection is closed at once', async () => {
  const socket = new Socket();
  const outcome = new Promise<string>((resolve) => {
    socket.once('close', () => resolve('closed'));
    socket.once('data', () => resolve('answered'));
  });
  socket.connect(benchA.tcp!.port, '127.0.0.1', () => socket.write('++ver\r\n'));
  expect(await outcome).toBe('closed');
  // The bridge that holds the connection is unaffected.
  const after = await call('instrument_query', {
    bridge_name: 'bench-a',
    address: 22,
    command: '*IDN?',
  });
  expect(after.isError).toBeFalsy();
});

it('waits for a service request instead of sleeping, and finds who asked', async () => {
  await call('instrument_write', {
    bridge_name: 'bench-b',
    address: 16,
    command: '*CLS;*ESE 1;*SRE 32',
  });
  const waiting = call('wait_srq', {
    bridge_name: 'bench-b',
    timeout_ms: 5000,
    poll_interval_ms: 20,
  });
  // The request for service is raised once wait_srq is polling for it.
  await expect.poll(() => isRunning(client, 'wait_srq'), { timeout: 5000 }).toBe(true);
  await call('instrument_write', { bridge_name: 'bench-b', address: 16, command: '*OPC' });
  const result = (await waiting).structuredContent;
  expect(result).toMatchObject({ srq: true, requesting: [{ address: 16, rqs: true }] });
  expect(result.requesting[0].bits).toContain('ESB');
  // The poll cleared RQS: the line is quiet again.
  expect((await call('check_srq', { bridge_name: 'bench-b' })).structuredContent.srq).toBe(false);
});

it('never wrote an adapter EEPROM', () => {
  expect(benchA.emulator.eepromWrites).toBe(0);
  expect(benchB.emulator.eepromWrites).toBe(0);
});
