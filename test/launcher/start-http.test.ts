import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../helpers/lab.js';
import { stopAllProcesses } from '../helpers/labrelay-process.js';
import { connectHttp, isRunning } from '../helpers/mcp-client.js';

/*
 * `labrelay start` with the SDK's own client over Streamable HTTP:
 *
 *   Client ──HTTP──▶ frontend ──ZeroMQ REQ/ROUTER──▶ worker
 */
let lab: Lab;
let client: Client;

beforeAll(async () => {
  lab = await startLab();
  client = await connectHttp(lab.url);
});
afterAll(async () => {
  await client?.close();
  await stopAllProcesses();
});

const call = (name: string, args: Record<string, unknown> = {}) =>
  client.callTool({ name, arguments: args }) as Promise<CallToolResult>;

it('lists one tool per worker method on a single page, wire-only methods left out', async () => {
  const listed = await client.listTools();
  expect(listed.nextCursor).toBeUndefined();
  expect(listed.tools.map((t) => t.name).sort()).toEqual(
    [
      'diag_counter_increment',
      'diag_counter_read',
      'diag_echo',
      'diag_fail',
      'diag_sleep',
      'health',
      'list_devices',
      'stop_all',
      'search_tools',
      'call_tool',
      'worker_status',
    ].sort(),
  );
  const sleep = listed.tools.find((t) => t.name === 'diag_sleep')!;
  expect(sleep.inputSchema).toMatchObject({
    type: 'object',
    properties: { duration_ms: { type: 'integer', maximum: 600000 } },
    required: ['duration_ms'],
  });
  expect(sleep.annotations).toMatchObject({ readOnlyHint: true, idempotentHint: true });
  const increment = listed.tools.find((t) => t.name === 'diag_counter_increment')!;
  expect(increment.annotations).toMatchObject({ readOnlyHint: false, idempotentHint: false });
});

it('health answers {"status":"ok"} as structuredContent and as text', async () => {
  const result = await call('health');
  expect(result.isError).toBeFalsy();
  expect(result.structuredContent).toEqual({ status: 'ok' });
  expect(result.content).toEqual([{ type: 'text', text: '{"status":"ok"}' }]);
});

it('wraps results that are not objects as {"result": value}, as the output schema says', async () => {
  const listed = await client.listTools();
  expect(listed.tools.find((t) => t.name === 'diag_echo')!.outputSchema).toMatchObject({
    type: 'object',
    properties: { result: {} },
    required: ['result'],
    'x-fastmcp-wrap-result': true,
  });
  for (const value of [42, 'text', [1, 2], null, { a: 1 }]) {
    const result = await call('diag_echo', { value });
    expect(result.structuredContent).toEqual({ result: value });
  }
});

it('turns worker errors into isError results that say what failed and why', async () => {
  const invalid = await call('diag_sleep', { duration_ms: 'ten' });
  expect(invalid.isError).toBe(true);
  expect((invalid.content[0] as { text: string }).text).toMatch(
    /^diag_sleep failed: invalid params for diag_sleep: "duration_ms" = "ten": .*expected number.*\[INVALID_PARAMS\]$/,
  );
  const device = await call('diag_fail', { kind: 'device' });
  expect(device.isError).toBe(true);
  expect((device.content[0] as { text: string }).text).toMatch(
    /simulated device failure \[DEVICE_ERROR\]/,
  );
});

it('relays progress as notifications/progress when the client sent a progress token', async () => {
  const seen: Array<{ progress: number; total?: number }> = [];
  const result = await client.callTool(
    { name: 'diag_sleep', arguments: { duration_ms: 200, steps: 4, lane: 'progress' } },
    CallToolResultSchema,
    { onprogress: (p) => void seen.push(p) },
  );
  expect(result.isError).toBeFalsy();
  // Every step, the last included: the reply waits for the worker's progress_end.
  expect(seen.map((p) => p.progress)).toEqual([1, 2, 3, 4]);
  expect(seen.every((p) => p.total === 4)).toBe(true);
});

it('turns an MCP cancellation into a worker cancel', async () => {
  const controller = new AbortController();
  const pending = client.callTool(
    { name: 'diag_sleep', arguments: { duration_ms: 20_000, steps: 400, lane: 'cancel' } },
    CallToolResultSchema,
    { signal: controller.signal },
  );
  // Aborted once the worker runs it, so that there is an operation to cancel.
  await expect.poll(() => isRunning(client, 'diag_sleep'), { timeout: 5000 }).toBe(true);
  controller.abort('user stopped it');
  await expect(pending).rejects.toThrow(/user stopped it/);
  // The worker stopped the operation: the lane is free again almost at once.
  await expect
    .poll(
      async () => {
        const status = await client.callTool({ name: 'worker_status', arguments: {} });
        return (
          status.structuredContent as { operations: Array<{ method: string }> }
        ).operations.some((op) => op.method === 'diag_sleep');
      },
      { timeout: 3000 },
    )
    .toBe(false);
  const status = (await call('worker_status')).structuredContent as {
    errors: Record<string, number>;
  };
  expect(status.errors.CANCELLED).toBeGreaterThanOrEqual(1);
});

describe('concurrency', () => {
  it('answers 200 concurrent calls, each with its own result', async () => {
    const calls = Array.from({ length: 200 }, (_, i) =>
      i % 4 === 0
        ? call('diag_sleep', { duration_ms: 50, steps: 1, lane: `c${i % 8}` }).then((r) => ({
            i,
            r,
          }))
        : call('diag_echo', { value: { i, tag: `call-${i}` } }).then((r) => ({ i, r })),
    );
    const results = await Promise.all(calls);
    for (const { i, r } of results) {
      expect(r.isError, `call ${i}`).toBeFalsy();
      if (i % 4 === 0) expect(r.structuredContent).toMatchObject({ steps: 1 });
      else expect(r.structuredContent).toEqual({ result: { i, tag: `call-${i}` } });
    }
  });
});
