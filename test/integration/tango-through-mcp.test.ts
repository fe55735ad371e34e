import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LabrelayProcess, ROOT, stopAllProcesses } from '../helpers/labrelay-process.js';
import { argumentsPythonCannotBind, connectHttp } from '../helpers/mcp-client.js';
import { freePorts } from '../helpers/ports.js';
import { startTangoTest } from '../helpers/tango.js';
import { toolCalls } from '../helpers/tool-calls.js';

// Debian's TangoTest device server, reached through the shipped example config exactly as
// written except for its ports: the Tango bridge, the frontend and the SDK's own MCP client.
let tango: Awaited<ReturnType<typeof startTangoTest>>;
let lab: LabrelayProcess;
let client: Client;
const { ok, errorText } = toolCalls(() => client);

beforeAll(async () => {
  tango = await startTangoTest();
  const dir = mkdtempSync(join(tmpdir(), 'labrelay-tango-'));
  const config = parse(readFileSync(join(ROOT, 'examples/tangotest.yaml'), 'utf8'));
  const [bridgePort, eventsPort, httpPort] = await freePorts(3);
  const bridge = `tcp://127.0.0.1:${bridgePort}`;
  config.frontend.workers[0].endpoint = bridge;
  config.frontend.port = httpPort;
  config.tango.bind = bridge;
  // Its own free port, not the default next one, which another test may have taken meanwhile.
  config.tango.events_endpoint = `tcp://127.0.0.1:${eventsPort}`;
  config.tango.devices = [tango.url];
  config.worker = { data_dir: dir };
  const path = join(dir, 'tangotest.yaml');
  writeFileSync(path, stringify(config));
  lab = LabrelayProcess.spawn(['start', '--config', path, '--verbose']);
  const [, url] = await lab.waitFor(/MCP over Streamable HTTP at (\S+)/, 30_000);
  client = await connectHttp(url);
}, 60_000);

afterAll(async () => {
  await client?.close();
  await stopAllProcesses();
  await tango?.stop();
});

it('lists TangoTest commands as tools, without the blocked ones', async () => {
  const tools = (await client.listTools()).tools;
  const names = tools.map((t) => t.name);
  expect(names).toEqual(
    expect.arrayContaining([
      'TangoTest_DevDouble',
      'TangoTest_DevString',
      'TangoTest_DevVarLongArray',
      'TangoTest_State',
      'TangoTest_get_double_scalar',
      'TangoTest_set_double_scalar_w',
      'list_devices',
      'health',
    ]),
  );
  for (const blocked of [
    'TangoTest_CrashFromDevelopperThread',
    'TangoTest_CrashFromOmniThread',
    'TangoTest_Init',
  ]) {
    expect(names).not.toContain(blocked);
  }
  const double = tools.find((t) => t.name === 'TangoTest_DevDouble')!;
  expect(double.description).toMatch(/Tango device class: TangoTest/);
  expect(double.inputSchema).toMatchObject({
    type: 'object',
    properties: { arg: { type: 'number' } },
    required: ['arg'],
  });
  expect(lab.stderr).toMatch(/tool TangoTest_DevDouble\(/);
  expect(argumentsPythonCannotBind(tools)).toEqual([]);
});

it('echoes a float, a string and an array of DevLong through the real device server', async () => {
  expect(await ok('TangoTest_DevDouble', { arg: 3.5 })).toEqual({ result: 3.5 });
  // Tango strings are bytes, PyTango's Latin-1: µ and ° travel, ↔ is refused before sending.
  expect(await ok('TangoTest_DevString', { arg: 'labrelay µA ±5 °C' })).toEqual({
    result: 'labrelay µA ±5 °C',
  });
  expect(await errorText('TangoTest_DevString', { arg: 'a ↔ b' })).toMatch(
    /not Latin-1 text.*\[INVALID_PARAMS\]/,
  );
  expect(await ok('TangoTest_DevVarLongArray', { arg: [1, -2, 2147483647] })).toEqual({
    result: [1, -2, 2147483647],
  });
  expect(await ok('TangoTest_State')).toEqual({ result: 'RUNNING' });
});

it('reads an attribute and writes one', async () => {
  const read = await ok('TangoTest_get_double_scalar');
  expect(typeof read.value).toBe('number');
  const written = await ok('TangoTest_set_double_scalar_w', { value: 2.25 });
  expect(written.value).toBe(2.25);
});

it('refuses a value of the wrong type before it reaches the device, naming field, value and type', async () => {
  const text = await errorText('TangoTest_DevDouble', { arg: 'three' });
  expect(text).toMatch(/arg/);
  expect(text).toMatch(/"three"|three/);
  expect(text).toMatch(/number/);
  expect(text).toMatch(/\[INVALID_PARAMS\]/);
  expect(await errorText('TangoTest_DevShort', { arg: 40000 })).toMatch(
    /32767.*\[INVALID_PARAMS\]/,
  );
});

it('lists the Tango device with its class', async () => {
  const listed = await ok('list_devices');
  expect(listed.devices).toEqual([
    expect.objectContaining({ name: 'sys/tg_test/1', class: 'TangoTest' }),
  ]);
});

it('the launcher restarts a bridge that died; its tools fail fast meanwhile and come back', async () => {
  const pid = Number(/tango bridge started pid=(\d+)/.exec(lab.stderr)![1]);
  process.kill(pid, 'SIGKILL');
  await lab.waitFor(/tango bridge killed by SIGKILL; restarting/);
  // The launcher's line comes before the frontend hears of the exit; a call between the two
  // would be sent and end as "stopped while this call was running". Wait for the frontend.
  await lab.waitFor(/worker "tango" is down/, 10_000);
  expect(await errorText('TangoTest_DevDouble', { arg: 1 })).toMatch(
    /worker "tango" \(tcp:\/\/127\.0\.0\.1:\d+\) is unavailable: tango bridge killed by SIGKILL.*\[UNAVAILABLE\]$/,
  );
  await lab.waitFor(/tango bridge restarted and healthy/, 20_000);
  await expect
    .poll(async () => (await client.listTools()).tools.map((t) => t.name), { timeout: 10_000 })
    .toContain('TangoTest_DevDouble');
  expect(await ok('TangoTest_DevDouble', { arg: 6.5 })).toEqual({ result: 6.5 });
}, 40_000);
