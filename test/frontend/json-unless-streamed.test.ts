import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLab, type Lab } from '../helpers/lab.js';
import { stopAllProcesses } from '../helpers/labrelay-process.js';
import { RAW_INITIALIZE } from '../helpers/raw-mcp.js';

/*
 * How a Streamable HTTP response is framed, seen on the wire (no SDK client in between):
 *
 *   POST tools/call, nothing to stream ──▶ 200 application/json   {result}
 *   POST tools/call, progress first    ──▶ 200 text/event-stream  progress… then {result}
 *
 * The Python MCP client caps one server-sent event at 1 MiB; a JSON body has no such cap.
 */
let lab: Lab;
let session: string;
let id = 10;

beforeAll(async () => {
  lab = await startLab();
  const init = await post(RAW_INITIALIZE);
  expect(init.status).toBe(200);
  expect(init.headers.get('content-type')).toBe('application/json');
  session = init.headers.get('mcp-session-id')!;
  expect(session).toBeTruthy();
  expect(JSON.parse(await init.text()).result.protocolVersion).toBe('2025-06-18');
  const initialized = await post({ jsonrpc: '2.0', method: 'notifications/initialized' });
  expect(initialized.status).toBe(202);
});
afterAll(stopAllProcesses);

function post(message: object): Promise<Response> {
  return fetch(lab.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-06-18',
      ...(session ? { 'mcp-session-id': session } : {}),
    },
    body: JSON.stringify(message),
  });
}

const callTool = (name: string, args: object, meta?: object) =>
  post({
    jsonrpc: '2.0',
    id: ++id,
    method: 'tools/call',
    params: { name, arguments: args, ...(meta ? { _meta: meta } : {}) },
  });

/** `data:` payloads of an SSE body, parsed. */
function events(body: string): any[] {
  return body
    .split('\n\n')
    .filter((e) => e.includes('data: '))
    .map((e) => JSON.parse(e.slice(e.indexOf('data: ') + 6)));
}

it('answers a call with nothing to stream as one JSON body', async () => {
  const response = await callTool('diag_echo', { value: 'plain' });
  expect(response.headers.get('content-type')).toBe('application/json');
  expect(response.headers.get('mcp-session-id')).toBe(session);
  const body = JSON.parse(await response.text());
  expect(body).toMatchObject({
    jsonrpc: '2.0',
    id,
    result: { structuredContent: { result: 'plain' } },
  });
});

it('sends a 3 MB result as one JSON body, byte for byte', async () => {
  const value = 'A'.repeat(3 << 20);
  const response = await callTool('diag_echo', { value }, { progressToken: 'big' });
  expect(response.headers.get('content-type')).toBe('application/json');
  const body = JSON.parse(await response.text());
  expect(body.result.structuredContent.result).toBe(value);
});

it('streams a call that reports progress, the reply last, in one SSE response', async () => {
  const response = await callTool(
    'diag_sleep',
    { duration_ms: 150, steps: 3 },
    { progressToken: 7 },
  );
  expect(response.headers.get('content-type')).toBe('text/event-stream');
  const messages = events(await response.text());
  expect(messages.map((m) => m.method ?? 'reply')).toEqual([
    'notifications/progress',
    'notifications/progress',
    'notifications/progress',
    'reply',
  ]);
  expect(messages[0].params).toMatchObject({ progressToken: 7, progress: 1, total: 3 });
  expect(messages.at(-1)).toMatchObject({ id, result: { structuredContent: { steps: 3 } } });
});

it('answers the same call without a progress token as JSON: nothing was streamed', async () => {
  const response = await callTool('diag_sleep', { duration_ms: 30, steps: 3 });
  expect(response.headers.get('content-type')).toBe('application/json');
  expect(JSON.parse(await response.text()).result.structuredContent).toMatchObject({ steps: 3 });
});

it('answers an error as JSON too', async () => {
  const response = await callTool('diag_sleep', { duration_ms: 'ten' });
  expect(response.headers.get('content-type')).toBe('application/json');
  const body = JSON.parse(await response.text());
  expect(body.result.isError).toBe(true);
  expect(body.result.content[0].text).toMatch(/"duration_ms" = "ten"/);
});
