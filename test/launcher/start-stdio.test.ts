import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';
import { labConfig } from '../helpers/lab.js';
import { ENTRY } from '../helpers/labrelay-process.js';
import { connectStdio } from '../helpers/mcp-client.js';
import { RAW_INITIALIZE } from '../helpers/raw-mcp.js';

it('serves MCP over stdio through the launcher (Claude Desktop style)', async () => {
  const config = await labConfig();
  const { client, stderr } = await connectStdio([
    'start',
    '--stdio',
    '--config',
    config.configPath,
  ]);
  const tools = await client.listTools();
  expect(tools.tools.map((t) => t.name)).toContain('health');
  const result = await client.callTool({ name: 'health', arguments: {} });
  expect(result.structuredContent).toEqual({ status: 'ok' });
  expect(stderr()).toMatch(/MCP over stdio/);
  await client.close();
});

it('serves the supervisor console on its own port beside stdio (Claude Desktop has no other)', async () => {
  const config = await labConfig();
  const { client, stderr } = await connectStdio([
    'start',
    '--stdio',
    '--config',
    config.configPath,
  ]);
  const base = `http://127.0.0.1:${config.httpPort}`;
  expect(stderr()).toContain(`supervisor console at ${base}/`);
  const page = await fetch(`${base}/`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('type="importmap"');
  // The first event says what the page draws from: the worker behind this stdio session.
  const events = await fetch(`${base}/console/events`);
  const reader = events.body!.getReader();
  let text = '';
  while (!text.includes('event: snapshot\ndata: '))
    text += new TextDecoder().decode((await reader.read()).value);
  await reader.cancel();
  expect(text).toMatch(/"state":"up"/);
  await client.close();

  // Its own ports: the first launcher may still be letting go of its.
  const other = await labConfig();
  const quiet = await connectStdio([
    'start',
    '--stdio',
    '--no-console',
    '--config',
    other.configPath,
  ]);
  expect((await quiet.client.callTool({ name: 'health', arguments: {} })).isError).toBeFalsy();
  await expect(fetch(`http://127.0.0.1:${other.httpPort}/`)).rejects.toThrow();
  expect(quiet.stderr()).not.toContain('supervisor console');
  await quiet.client.close();
});

it('writes nothing but MCP messages to stdout, and stops everything when stdin closes', async () => {
  const config = await labConfig();
  const child = spawn(
    process.execPath,
    [ENTRY, 'start', '--stdio', '--config', config.configPath],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, LABRELAY_LOG_LEVEL: 'debug' },
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const send = (message: object) => child.stdin.write(JSON.stringify(message) + '\n');
  send(RAW_INITIALIZE);
  await expect.poll(() => stdout.includes('"id":1'), { timeout: 15_000 }).toBe(true);
  send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'health', arguments: {} } });
  await expect.poll(() => stdout.includes('"id":2'), { timeout: 5_000 }).toBe(true);
  child.stdin.end();
  const code = await new Promise((resolve) => child.once('exit', resolve));
  expect(code).toBe(0);
  // Every stdout line is a JSON-RPC message; every log line went to stderr.
  const lines = stdout.trim().split('\n');
  for (const line of lines) expect(JSON.parse(line)).toMatchObject({ jsonrpc: '2.0' });
  expect(lines).toHaveLength(2);
  expect(JSON.parse(lines[0]).result.protocolVersion).toBe('2025-06-18');
  expect(JSON.parse(lines[1]).result.structuredContent).toEqual({ status: 'ok' });
  expect(stderr).toMatch(/worker ready/);
  expect(stderr).toMatch(/worker stopped/);
});
