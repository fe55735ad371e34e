import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as z from 'zod';
import { beforeEach, describe, expect, it } from 'vitest';
import { defineMethod, type ReplyEnvelope } from '../../../protocol/index.js';
import { AuditLog } from '../../../worker/engine/audit-log.js';
import { diagnosticsModule } from '../../../worker/diagnostics/diagnostics-module.js';
import { defineModule } from '../../../worker/engine/method-module.js';
import { createRuntime } from '../../../worker/engine/runtime.js';
import { captureLog } from '../../helpers/capture-log.js';

/** A pretend device method that records when each call ran, to observe serialization. */
const holdMethods = {
  write_files: defineMethod({
    title: 'Write files',
    description: 'A result too large for its audit line that names its files, as an image does.',
    params: z.strictObject({}),
    result: z.object({
      img_path: z.string(),
      info: z.object({ metadata_path: z.string() }),
      data: z.string(),
    }),
    readOnly: false,
    idempotent: false,
    destructive: false,
    resource: 'dev:files',
    deadline: { base_ms: 1000 },
    mcp: true,
  }),
  hold: defineMethod({
    title: 'Hold a device',
    description: 'Occupy the device for ms milliseconds, checking for cancel every 5 ms.',
    params: z.strictObject({
      dev: z.string().describe('Device name.'),
      ms: z.number().min(0).max(10_000).describe('How long to hold it, ms (0–10000).'),
      tag: z.string().default('').describe('Label recorded in the trace.'),
      actual_ms: z.number().optional().describe('How long it really takes, ms; default ms.'),
      ignore_abort: z.boolean().default(false).describe('Keep going after an abort.'),
    }),
    result: z.object({ tag: z.string() }),
    readOnly: false,
    idempotent: false,
    destructive: false,
    resource: 'dev:{dev}',
    deadline: { base_ms: 200, terms: [{ params: ['ms'], ms_per_unit: 1 }] },
    mcp: true,
  }),
};

type Trace = Array<{ tag: string; dev: string; start: number; end: number }>;

/** An operation's state as worker_status reports it: queued, running, or gone. */
async function stateOf(t: ReturnType<typeof setup>, id: string): Promise<string | undefined> {
  const status = (await t.send('worker_status')) as {
    result: { operations: Array<{ id: string; state: string }> };
  };
  return status.result.operations.find((o) => o.id === id)?.state;
}

function setup(options: { queueTimeoutMs?: number; audit?: AuditLog } = {}) {
  const trace: Trace = [];
  const calls = { hold: 0 };
  const progress: Array<[string, number]> = [];
  const runtime = createRuntime({
    name: 'test',
    version: '0',
    eventsEndpoint: 'inproc://unused',
    queueTimeoutMs: options.queueTimeoutMs ?? 10_000,
    audit: options.audit ?? null,
    replyCache: { entries: 100, bytes: 1 << 20 },
    progress: (id, p) => void progress.push([id, p]),
    log: captureLog(),
    modules: [
      diagnosticsModule(),
      defineModule({
        methods: holdMethods,
        handlers: {
          write_files: () => ({
            img_path: '/data/a.png',
            info: { metadata_path: '/data/a.json' },
            data: 'x'.repeat(10_000),
          }),
          hold: async ({ dev, ms, tag, actual_ms, ignore_abort }, op) => {
            calls.hold += 1;
            const start = performance.now();
            const until = start + (actual_ms ?? ms);
            while (performance.now() < until) {
              if (!ignore_abort) op.checkpoint();
              await new Promise((r) => setTimeout(r, 5));
            }
            trace.push({ tag, dev, start, end: performance.now() });
            return { tag };
          },
        },
      }),
    ],
  });
  const { dispatcher } = runtime;
  let n = 0;
  const send = async (
    method: string,
    params: unknown = {},
    id = `r${++n}`,
  ): Promise<ReplyEnvelope> =>
    JSON.parse(
      String(await dispatcher.handle(Buffer.from(JSON.stringify({ id, method, params })))),
    );
  return { dispatcher, send, trace, calls, progress };
}

describe('Dispatcher', () => {
  let t: ReturnType<typeof setup>;
  beforeEach(() => {
    t = setup();
  });

  it('runs operations on one device one at a time, in arrival order', async () => {
    const replies = await Promise.all(
      ['a', 'b', 'c', 'd'].map((tag) => t.send('hold', { dev: 'x', ms: 20, tag })),
    );
    expect(replies.map((r) => r.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(t.trace.map((e) => e.tag)).toEqual(['a', 'b', 'c', 'd']);
    for (let i = 1; i < t.trace.length; i++) {
      expect(t.trace[i].start).toBeGreaterThanOrEqual(t.trace[i - 1].end);
    }
  });

  it('runs operations on different devices concurrently', async () => {
    await Promise.all(['x', 'y', 'z'].map((dev) => t.send('hold', { dev, ms: 60, tag: dev })));
    const latestStart = Math.max(...t.trace.map((e) => e.start));
    const earliestEnd = Math.min(...t.trace.map((e) => e.end));
    expect(latestStart).toBeLessThan(earliestEnd);
  });

  it('answers health and worker_status at once while a device is busy', async () => {
    let longDone = false;
    const long = t.send('hold', { dev: 'x', ms: 300 }, 'long').then(() => (longDone = true));
    await expect.poll(() => stateOf(t, 'long')).toBe('running');
    expect(await t.send('health')).toMatchObject({ status: 'ok', result: { status: 'ok' } });
    expect(longDone).toBe(false);
    await long;
  });

  describe('duplicate request ids', () => {
    it('runs a request once when its retry arrives while it is still running', async () => {
      const [first, retry] = await Promise.all([
        t.send('hold', { dev: 'x', ms: 40, tag: 'once' }, 'same'),
        t.send('hold', { dev: 'x', ms: 40, tag: 'once' }, 'same'),
      ]);
      expect(t.calls.hold).toBe(1);
      expect(retry).toEqual(first);
    });

    it('answers a retry after completion from the cache, without running again', async () => {
      const first = await t.send('diag_counter_increment', { lane: 'k' }, 'inc-1');
      const again = await t.send('diag_counter_increment', { lane: 'k' }, 'inc-1');
      expect(again).toEqual(first);
      expect(await t.send('diag_counter_read', { lane: 'k' })).toMatchObject({
        result: { count: 1 },
      });
    });

    it('refuses an id reused for a different request', async () => {
      await t.send('diag_counter_increment', { lane: 'k' }, 'dup');
      const reply = await t.send('diag_counter_increment', { lane: 'other' }, 'dup');
      expect(reply).toMatchObject({ status: 'error', code: 'BAD_ENVELOPE' });
      expect(reply.status === 'error' && reply.error).toMatch(
        /already used for a different request/,
      );
      expect(await t.send('diag_counter_read', { lane: 'other' })).toMatchObject({
        result: { count: 0 },
      });
    });
  });

  describe('cancel', () => {
    it('removes a queued operation before it starts', async () => {
      const running = t.send('hold', { dev: 'x', ms: 80, tag: 'first' }, 'first');
      const queued = t.send('hold', { dev: 'x', ms: 10, tag: 'second' }, 'second');
      await expect.poll(() => stateOf(t, 'second')).toBe('queued');
      expect(await t.send('cancel', { id: 'second' })).toMatchObject({
        result: { id: 'second', state: 'queued', cancelled: true },
      });
      expect(await queued).toMatchObject({ status: 'error', code: 'CANCELLED' });
      expect(await running).toMatchObject({ status: 'ok' });
      expect(t.trace.map((e) => e.tag)).toEqual(['first']);
    });

    it('stops a running operation at its next safe point', async () => {
      const started = performance.now();
      const running = t.send('diag_sleep', { duration_ms: 5000, steps: 100 }, 'long');
      // Running, and past its first step.
      await expect.poll(() => t.progress.some(([id]) => id === 'long')).toBe(true);
      expect(await t.send('cancel', { id: 'long' })).toMatchObject({
        result: { state: 'running', cancelled: true },
      });
      const reply = await running;
      expect(reply).toMatchObject({ status: 'error', code: 'CANCELLED' });
      expect(performance.now() - started).toBeLessThan(1000);
      expect(t.progress.filter(([id]) => id === 'long').length).toBeGreaterThan(0);
    });

    it('reports finished and unknown operations without effect', async () => {
      await t.send('health', {}, 'done-1');
      expect(await t.send('cancel', { id: 'done-1' })).toMatchObject({
        result: { state: 'finished', cancelled: false },
      });
      expect(await t.send('cancel', { id: 'never' })).toMatchObject({
        result: { state: 'unknown', cancelled: false },
      });
    });
  });

  describe('deadlines and queues', () => {
    it('answers TIMEOUT at the deadline and keeps the device reserved until the handler stops', async () => {
      // deadline = 200 ms base + ms; the handler really takes actual_ms and ignores the abort.
      const started = performance.now();
      const stuck = t.send('hold', {
        dev: 'x',
        ms: 100,
        actual_ms: 600,
        tag: 'stuck',
        ignore_abort: true,
      });
      const next = t.send('hold', { dev: 'x', ms: 0, tag: 'next' });
      const reply = await stuck;
      expect(reply).toMatchObject({ status: 'error', code: 'TIMEOUT', data: { deadline_ms: 300 } });
      expect(reply.status === 'error' && reply.error).toMatch(
        /hold did not finish within its 300 ms deadline; dev:x stays reserved until it stops/,
      );
      expect(performance.now() - started).toBeLessThan(550);
      await next;
      const [a, b] = t.trace;
      expect([a.tag, b.tag]).toEqual(['stuck', 'next']);
      expect(b.start).toBeGreaterThanOrEqual(a.end);
    });

    it('answers BUSY when the device stays busy past the queue timeout, without running it', async () => {
      const t2 = setup({ queueTimeoutMs: 50 });
      const long = t2.send('hold', { dev: 'x', ms: 200, tag: 'long' });
      const reply = await t2.send('hold', { dev: 'x', ms: 0, tag: 'late' });
      expect(reply).toMatchObject({ status: 'error', code: 'BUSY' });
      expect(reply.status === 'error' && reply.error).toMatch(
        /dev:x stayed busy for 50 ms \(running: hold/,
      );
      await long;
      expect(t2.trace.map((e) => e.tag)).toEqual(['long']);
    });
  });

  describe('validation and results', () => {
    it('refuses invalid params naming the field, the value and what is allowed, without running', async () => {
      const reply = await t.send('hold', { dev: 'x', ms: -5 });
      expect(reply).toMatchObject({
        status: 'error',
        code: 'INVALID_PARAMS',
        data: { path: ['params', 'ms'] },
      });
      expect(reply.status === 'error' && reply.error).toMatch(
        /"ms" = -5: too small.*>=0.*\(How long to hold it, ms \(0–10000\)\.\)/,
      );
      expect(t.calls.hold).toBe(0);
    });

    it('names a missing field and an unknown one', async () => {
      const missing = await t.send('hold', { dev: 'x' });
      expect(missing.status === 'error' && missing.error).toMatch(/"ms" is missing/);
      const unknown = await t.send('hold', { dev: 'x', ms: 1, msec: 1 });
      expect(unknown.status === 'error' && unknown.error).toMatch(
        /unknown parameter "msec"; allowed: dev, ms, tag, actual_ms, ignore_abort/,
      );
    });

    it('names an unknown method and lists the served ones', async () => {
      const reply = await t.send('acquire_imag');
      expect(reply).toMatchObject({ status: 'error', code: 'UNKNOWN_METHOD' });
      expect(reply.status === 'error' && reply.error).toMatch(
        /unknown method "acquire_imag".*serves: .*hold/,
      );
    });

    it.each([
      ['throw', /internal error: diag_fail was asked to throw/],
      ['nan', /produced a value JSON cannot carry: result.value is NaN/],
      ['schema', /does not match its declared schema: result.value/],
    ])('turns a %s failure into INTERNAL and keeps serving', async (kind, message) => {
      const reply = await t.send('diag_fail', { kind });
      expect(reply).toMatchObject({ status: 'error', code: 'INTERNAL' });
      expect(reply.status === 'error' && reply.error).toMatch(message);
      expect(await t.send('health')).toMatchObject({ status: 'ok' });
    });

    it('passes a device error through with its code', async () => {
      expect(await t.send('diag_fail', { kind: 'device' })).toMatchObject({ code: 'DEVICE_ERROR' });
    });

    it('carries any JSON value as a result', async () => {
      for (const value of [null, 3.5, 'text', [1, [2]], { a: { b: [] } }]) {
        expect(await t.send('diag_echo', { value })).toMatchObject({ status: 'ok', result: value });
      }
    });
  });

  it('writes an audit line for every device operation before replying, and none for core methods', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'labrelay-audit-'));
    const audit = new AuditLog(join(dir, 'audit.jsonl'), false);
    const t2 = setup({ audit });
    await t2.send('health');
    await t2.send('hold', { dev: 'x', ms: 1, tag: 'ok' }, 'a1');
    const lines = () =>
      readFileSync(join(dir, 'audit.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
    // The line is on disk by the time the reply is in hand.
    expect(lines()).toHaveLength(1);
    await t2.send('hold', { dev: 'x', ms: -1 }, 'a2');
    await t2.send('diag_counter_increment', { lane: 'q' }, 'a3');
    const records = lines();
    expect(records.map((r) => [r.id, r.method, r.outcome, r.code])).toEqual([
      ['a1', 'hold', 'ok', undefined],
      ['a2', 'hold', 'error', 'INVALID_PARAMS'],
      ['a3', 'diag_counter_increment', 'ok', undefined],
    ]);
    expect(records[0]).toMatchObject({
      resource: 'dev:x',
      params: { dev: 'x', ms: 1, tag: 'ok' },
      result: { tag: 'ok' },
    });
    expect(records[0].duration_ms).toBeGreaterThan(0);
    audit.close();
  });

  it('keeps the files a result names when the result is too large for its audit line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'labrelay-audit-'));
    const audit = new AuditLog(join(dir, 'audit.jsonl'), false);
    const t2 = setup({ audit });
    await t2.send('write_files', {}, 'f1');
    const [line] = readFileSync(join(dir, 'audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(line.result).toBeUndefined();
    expect(line.result_bytes).toBeGreaterThan(10_000);
    expect(line.result_paths).toEqual({
      img_path: '/data/a.png',
      'info.metadata_path': '/data/a.json',
    });
    audit.close();
  });

  it('a call answered TIMEOUT has its real ending in the audit log when it comes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'labrelay-audit-'));
    const audit = new AuditLog(join(dir, 'audit.jsonl'), false);
    const t2 = setup({ audit });
    const reply = await t2.send(
      'hold',
      { dev: 'x', ms: 0, actual_ms: 400, tag: 'late', ignore_abort: true },
      'slow',
    );
    expect(reply).toMatchObject({ code: 'TIMEOUT' });
    const lines = () =>
      readFileSync(join(dir, 'audit.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
    await expect.poll(() => lines().length, { timeout: 5000 }).toBe(2);
    expect(lines().map((r) => [r.id, r.outcome, r.code ?? null, r.after_timeout ?? false])).toEqual(
      [
        ['slow', 'error', 'TIMEOUT', false],
        ['slow', 'ok', null, true],
      ],
    );
    expect(t2.trace.map((e) => e.tag)).toEqual(['late']);
    audit.close();
  });

  it('shutdown stops running operations at a safe point and refuses new device work', async () => {
    const running = t.send('diag_sleep', { duration_ms: 5000, steps: 50 }, 'long');
    await expect.poll(() => stateOf(t, 'long')).toBe('running');
    await t.dispatcher.shutdown(2000);
    expect(await running).toMatchObject({ status: 'error', code: 'UNAVAILABLE' });
    expect(await t.send('diag_counter_increment', {})).toMatchObject({ code: 'UNAVAILABLE' });
    expect(await t.send('health')).toMatchObject({ status: 'ok' });
  });
});
