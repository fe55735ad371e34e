import { Router } from 'zeromq';
import { afterEach, expect, it } from 'vitest';
import { WorkerClient } from '../../frontend/worker-client/index.js';
import { freePorts } from '../helpers/ports.js';

/*
 * A scripted worker on a real ROUTER socket, to watch the client's Lazy Pirate behaviour:
 *
 *   client ──req(id)──▶ fake   (fake drops it: no reply)
 *   client ── … timeout: close socket, open a new one … ──▶
 *   client ──req(id)──▶ fake ──reply(id)──▶ client          (idempotent methods only)
 */
interface Seen {
  id: string;
  method: string;
  params: Record<string, unknown>;
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function fakeWorker(answer: (req: Seen, nth: number) => unknown) {
  const [port] = await freePorts(1);
  const endpoint = `tcp://127.0.0.1:${port}`;
  const router = new Router({ linger: 0 });
  await router.bind(endpoint);
  const seen: Seen[] = [];
  void (async () => {
    try {
      for await (const [identity, empty, body] of router) {
        const req = JSON.parse(body.toString()) as Seen;
        seen.push(req);
        // An answer may be a promise: the fake then stays silent until it settles.
        const result = await answer(req, seen.filter((s) => s.id === req.id).length);
        if (result !== undefined) {
          await router.send([
            identity,
            empty,
            JSON.stringify({ id: req.id, status: 'ok', result }),
          ]);
        }
      }
    } catch {
      // closed
    }
  })();
  cleanups.push(() => router.close());
  return { endpoint, seen };
}

function client(endpoint: string) {
  const c = new WorkerClient({ endpoint, events: false, idempotentRetries: 2, slackMs: 0 });
  cleanups.push(() => c.close());
  return c;
}

it('retries an idempotent call on a fresh socket under the same id', async () => {
  const fake = await fakeWorker((req, nth) =>
    req.method === 'cancel' || nth < 2 ? undefined : { ok: nth },
  );
  const reply = await client(fake.endpoint).request(
    'read_it',
    {},
    { idempotent: true, timeoutMs: 150, id: 'r-1' },
  );
  expect(reply).toEqual({ id: 'r-1', status: 'ok', result: { ok: 2 } });
  expect(fake.seen.filter((s) => s.method === 'read_it').map((s) => s.id)).toEqual(['r-1', 'r-1']);
});

it('does not retry a non-idempotent call: TIMEOUT, outcome unknown, and a cancel is sent', async () => {
  const fake = await fakeWorker((req) =>
    req.method === 'cancel' ? { id: req.params.id, state: 'running', cancelled: true } : undefined,
  );
  const reply = await client(fake.endpoint).request(
    'move_stage',
    { x: 1 },
    { idempotent: false, timeoutMs: 150, id: 'w-1' },
  );
  expect(reply).toMatchObject({
    id: 'w-1',
    status: 'error',
    code: 'TIMEOUT',
    data: { outcome: 'unknown', timeout_ms: 150 },
  });
  expect(reply.status === 'error' && reply.error).toMatch(
    /did not answer move_stage within 150 ms and it was not retried because it is not idempotent; its outcome is unknown/,
  );
  await expect.poll(() => fake.seen.map((s) => s.method)).toEqual(['move_stage', 'cancel']);
  expect(fake.seen[1].params).toEqual({ id: 'w-1' });
});

it('gives up on an idempotent call after its retries with TIMEOUT', async () => {
  const fake = await fakeWorker(() => undefined);
  const reply = await client(fake.endpoint).request(
    'read_it',
    {},
    { idempotent: true, timeoutMs: 100 },
  );
  expect(reply).toMatchObject({ status: 'error', code: 'TIMEOUT' });
  expect(reply.status === 'error' && reply.error).toMatch(/\(3 attempts\)/);
  expect(fake.seen.filter((s) => s.method === 'read_it')).toHaveLength(3);
});

it('ends calls in flight at once when the worker is marked down, and fails fast until it is up', async () => {
  const fake = await fakeWorker((req) => (req.method === 'slow' ? undefined : { fine: true }));
  const c = client(fake.endpoint);
  const pending = c.request('slow', {}, { timeoutMs: 10_000 });
  // In flight: the worker has it.
  await expect.poll(() => fake.seen.some((r) => r.method === 'slow')).toBe(true);
  const started = performance.now();
  c.markDown('worker killed by SIGKILL');
  expect(await pending).toMatchObject({
    status: 'error',
    code: 'UNAVAILABLE',
    data: { outcome: 'unknown' },
  });
  expect(performance.now() - started).toBeLessThan(100);
  const fast = await c.request('other', {});
  expect(fast.status === 'error' && fast.error).toMatch(
    /the worker is unavailable \(worker killed by SIGKILL\); other was not sent/,
  );
  expect(fake.seen.map((s) => s.method)).toEqual(['slow']);
  c.markUp();
  expect(await c.request('other', {})).toMatchObject({ status: 'ok', result: { fine: true } });
});

it('a worker that only fell silent: calls in flight still get their answer, new ones fail fast', async () => {
  const fake = await fakeWorker((req) =>
    req.method === 'slow'
      ? new Promise((resolve) => setTimeout(() => resolve({ late: true }), 200))
      : { fine: true },
  );
  const c = client(fake.endpoint);
  const pending = c.request('slow', {}, { timeoutMs: 10_000 });
  // In flight: the worker has it.
  await expect.poll(() => fake.seen.some((r) => r.method === 'slow')).toBe(true);
  c.markDown('no heartbeat for 3.0 s', { interruptCalls: false });
  const fast = await c.request('other', {});
  expect(fast.status === 'error' && fast.error).toMatch(
    /\(no heartbeat for 3\.0 s\); other was not sent/,
  );
  expect(await pending).toMatchObject({ status: 'ok', result: { late: true } });
});

it('an aborted call ends CANCELLED and asks the worker to cancel it', async () => {
  const fake = await fakeWorker((req) =>
    req.method === 'cancel' ? { id: req.params.id, state: 'running', cancelled: true } : undefined,
  );
  const controller = new AbortController();
  const pending = client(fake.endpoint).request(
    'long',
    {},
    { id: 'c-1', signal: controller.signal, timeoutMs: 10_000 },
  );
  setTimeout(() => controller.abort(), 50);
  expect(await pending).toMatchObject({ status: 'error', code: 'CANCELLED' });
  await expect
    .poll(() => fake.seen.map((s) => [s.method, s.params.id ?? null]))
    .toEqual([
      ['long', null],
      ['cancel', 'c-1'],
    ]);
});

it('runs concurrent calls in parallel, one socket each', async () => {
  const fake = await fakeWorker((req) => ({ n: req.params.n }));
  const c = client(fake.endpoint);
  const replies = await Promise.all(Array.from({ length: 50 }, (_, n) => c.request('echo', { n })));
  expect(replies.map((r) => (r.status === 'ok' ? (r.result as { n: number }).n : -1))).toEqual(
    Array.from({ length: 50 }, (_, n) => n),
  );
});
