import { v4 as uuidv4 } from 'uuid';
import { liveSubscriber } from '../helpers/events.js';
import { afterAll, describe, expect, it } from 'vitest';
import { WorkerClient } from '../../frontend/worker-client/index.js';
import { CatalogChangedEventSchema } from '../../protocol/index.js';
import { stopAllProcesses } from '../helpers/labrelay-process.js';
import { freePorts } from '../helpers/ports.js';
import {
  startTangoBridge,
  startTangoTest,
  stopAllTangoTests,
  bridgeClients,
  resultOf,
} from '../helpers/tango.js';

/*
 * Several devices, and devices that misbehave: two of one class, a server that dies and comes
 * back, a device that is down when the bridge starts, a server that hangs (SIGSTOP) while other
 * calls go on, and a bridge told to stop while a call is in flight.
 */
const { connect, close: closeClients } = bridgeClients();
const sockets: Array<{ close(): void }> = [];

afterAll(async () => {
  closeClients();
  for (const s of sockets) s.close();
  await stopAllProcesses();
  await stopAllTangoTests();
});

/** Calls until the call succeeds (a restarted server; Tango reconnects at most once a second). */
async function eventually(client: WorkerClient, method: string, params: Record<string, unknown>) {
  const until = Date.now() + 10_000;
  for (;;) {
    const reply = await client.request(method, params);
    if (reply.status === 'ok' || Date.now() > until) return reply;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('two devices of one class', () => {
  it('get one tool per command with a required device argument, each call reaching its own device', async () => {
    const tango = await startTangoTest({ devices: ['sys/tg_test/1', 'sys/tg_test/2'] });
    const bridge = await startTangoBridge({ devices: tango.urls, attribute_tools: true });
    const client = await connect(bridge);
    const d = client.described!;
    expect(d.devices.map((x) => x.name)).toEqual(['sys/tg_test/1', 'sys/tg_test/2']);
    const tool = d.methods.find((m) => m.name === 'TangoTest_DevDouble')!;
    expect(tool.inputSchema).toEqual({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: {
        arg: { type: 'number', description: 'Any DevDouble value' },
        device: {
          type: 'string',
          enum: ['sys/tg_test/1', 'sys/tg_test/2'],
          description: 'Which TangoTest: sys/tg_test/1, sys/tg_test/2.',
        },
      },
      required: ['arg', 'device'],
      additionalProperties: false,
    });
    expect(tool.resource).toBe('tango:{device}');
    expect(tool.description).toContain(
      'Devices (pass one as device): sys/tg_test/1, sys/tg_test/2',
    );
    const voidTool = d.methods.find((m) => m.name === 'TangoTest_DevVoid')!;
    expect(voidTool.inputSchema.required).toEqual(['device']);

    await client.request('TangoTest_set_double_scalar_w', { value: 1.5, device: 'sys/tg_test/1' });
    await client.request('TangoTest_set_double_scalar_w', { value: 7.5, device: 'sys/tg_test/2' });
    for (const [device, value] of [
      ['sys/tg_test/1', 1.5],
      ['sys/tg_test/2', 7.5],
    ] as const) {
      const read = await client.request('TangoTest_get_double_scalar_w', { device });
      expect(resultOf(read)).toMatchObject({ value });
    }
    const missing = await client.request('TangoTest_DevDouble', { arg: 1 });
    expect(missing).toMatchObject({ status: 'error', code: 'INVALID_PARAMS' });
    expect((missing as { error: string }).error).toBe(
      'invalid params for TangoTest_DevDouble: "device" is missing: required: expected one of ' +
        '"sys/tg_test/1", "sys/tg_test/2" (Which TangoTest: sys/tg_test/1, sys/tg_test/2.)',
    );
    const wrong = await client.request('TangoTest_DevDouble', { arg: 1, device: 'sys/tg_test/9' });
    expect((wrong as { error: string }).error).toMatch(
      /"device" = "sys\/tg_test\/9": invalid option: expected one of "sys\/tg_test\/1", "sys\/tg_test\/2"/,
    );
  });
});

describe('a device server that dies and comes back', () => {
  it('answers UNAVAILABLE at once while it is down, keeps its tools, and works again after a restart', async () => {
    const tango = await startTangoTest({ devices: ['test/restart/1'] });
    const bridge = await startTangoBridge({ devices: [tango.url], timeout_ms: 3000 });
    const client = await connect(bridge);
    expect(resultOf(await client.request('TangoTest_DevDouble', { arg: 1 }))).toBe(1);
    const hash = client.described!.catalog_hash;

    tango.process.kill('SIGKILL');
    await new Promise((r) => tango.process.once('exit', r));
    const started = Date.now();
    const down = await client.request('TangoTest_DevDouble', { arg: 2 });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(down).toMatchObject({
      status: 'error',
      code: 'UNAVAILABLE',
      data: { device: 'test/restart/1', errors: expect.any(Array) },
    });
    expect((down as { error: string }).error).toMatch(
      /^Tango device test\/restart\/1 cannot be reached/,
    );
    // A second call within Tango's reconnection throttle is refused without being sent.
    const again = await client.request('TangoTest_DevDouble', { arg: 3 });
    expect(again).toMatchObject({ status: 'error', code: 'UNAVAILABLE' });
    // The tools stay: a restart must not make them flicker out of a model's view.
    expect((await client.describe()).catalog_hash).toBe(hash);

    await startTangoTest({ devices: ['test/restart/1'], port: tango.port });
    expect(await eventually(client, 'TangoTest_DevDouble', { arg: 4 })).toMatchObject({
      status: 'ok',
      result: 4,
    });
  });
});

describe('a device that is down when the bridge starts', () => {
  it('is found by rediscovery, announced on $catalog, and then served', async () => {
    const [port] = await freePorts(1);
    const url = `tango://127.0.0.1:${port}/test/late/1#dbase=no`;
    const bridge = await startTangoBridge(
      { devices: [url], rediscover_s: 0.5 },
      {
        ready: /labrelay tango bridge ready: 0 tool\(s\) on /,
      },
    );
    expect(bridge.stderr()).toMatch(
      new RegExp(
        `skipping test/late/1: cannot read ${url.replace(/[/.#]/g, '\\$&')}: .*retrying at the next rediscovery`,
      ),
    );
    const client = await connect(bridge);
    expect(client.described!.devices).toEqual([]);
    const before = await client.request('TangoTest_DevDouble', { arg: 1 });
    expect(before).toMatchObject({ status: 'error', code: 'UNKNOWN_METHOD' });

    const events = await liveSubscriber(bridge.eventsEndpoint, ['$catalog']);
    sockets.push(events.sub);
    await startTangoTest({ devices: ['test/late/1'], port });
    const [topic, body] = await events.next('$catalog');
    expect(topic).toBe('$catalog');
    const event = CatalogChangedEventSchema.parse(JSON.parse(body.toString()));
    const described = await client.describe();
    expect(event.catalog_hash).toBe(described.catalog_hash);
    expect(described.devices.map((d) => d.name)).toEqual(['test/late/1']);
    expect(resultOf(await client.request('TangoTest_DevDouble', { arg: 5 }))).toBe(5);
    expect(bridge.stderr()).toMatch(/Tango device found device=test\/late\/1/);
  });
});

describe('a hung device server (SIGSTOP)', () => {
  it('never holds up health, cancel or other devices; queued calls get BUSY or CANCELLED; the call gets TIMEOUT', async () => {
    const slow = await startTangoTest({ devices: ['test/slow/1'] });
    const fast = await startTangoTest({ devices: ['test/fast/1'] });
    const bridge = await startTangoBridge({
      devices: [slow.url, fast.url],
      timeout_ms: 1500,
      queue_timeout_ms: 600,
      attribute_tools: true,
    });
    const client = await connect(bridge);
    const slowCall = (arg: number, id = uuidv4()) =>
      client.request('TangoTest_DevDouble', { arg, device: 'test/slow/1' }, { id });
    expect(resultOf(await slowCall(1))).toBe(1); // the proxy is connected before the server hangs

    await slow.pause();
    const hungId = uuidv4();
    const t0 = Date.now();
    const hung = slowCall(2, hungId);
    const states = async () =>
      (
        resultOf(await client.request('worker_status', {})) as {
          operations: Array<{ id: string; state: string }>;
        }
      ).operations.map((o) => `${o.id}:${o.state}`);
    // Each call is where it should be before the next is sent: waited for, not slept on.
    await expect.poll(states, { timeout: 5000 }).toContain(`${hungId}:running`);
    const busyId = uuidv4();
    const busy = slowCall(3, busyId);
    const cancelledId = uuidv4();
    const cancelled = slowCall(4, cancelledId);
    await expect
      .poll(states, { timeout: 5000 })
      .toEqual(expect.arrayContaining([`${busyId}:queued`, `${cancelledId}:queued`]));

    // Neither waits for the hung call's 1500 ms timeout.
    let started = Date.now();
    expect(await client.request('health', {})).toMatchObject({ status: 'ok' });
    expect(Date.now() - started).toBeLessThan(1000);
    started = Date.now();
    expect(
      resultOf(await client.request('TangoTest_DevDouble', { arg: 9, device: 'test/fast/1' })),
    ).toBe(9);
    expect(Date.now() - started).toBeLessThan(1000);

    const status = resultOf(await client.request('worker_status', {})) as {
      operations: Array<{ id: string; state: string; resource: string }>;
    };
    expect(status.operations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: hungId, state: 'running', resource: 'tango:test/slow/1' }),
        expect.objectContaining({ id: cancelledId, state: 'queued' }),
      ]),
    );
    expect(resultOf(await client.request('cancel', { id: cancelledId }))).toEqual({
      id: cancelledId,
      state: 'queued',
      cancelled: true,
    });
    // A Tango call cannot be interrupted once sent.
    expect(resultOf(await client.request('cancel', { id: hungId }))).toEqual({
      id: hungId,
      state: 'running',
      cancelled: false,
    });
    expect(await cancelled).toMatchObject({
      status: 'error',
      code: 'CANCELLED',
      error: `TangoTest_DevDouble (request ${cancelledId}) was cancelled before it started`,
    });
    const busyReply = await busy;
    expect(busyReply).toMatchObject({
      status: 'error',
      code: 'BUSY',
      data: { resource: 'tango:test/slow/1', queue_timeout_ms: 600 },
    });
    // The cancelled call may still be queued behind it when its 600 ms run out, or gone.
    expect((busyReply as { error: string }).error).toMatch(
      new RegExp(
        `^tango:test/slow/1 stayed busy for 600 ms \\(running: TangoTest_DevDouble ${hungId}; ` +
          '[01] waiting\\); the operation was not started$',
      ),
    );
    const timedOut = await hung;
    const elapsed = Date.now() - t0;
    // Tango's own timeout answers, with its DevError stack.
    expect(timedOut).toMatchObject({
      status: 'error',
      code: 'TIMEOUT',
      data: {
        device: 'test/slow/1',
        outcome: 'unknown',
        timeout_ms: 1500,
        errors: expect.arrayContaining([expect.objectContaining({ reason: 'API_DeviceTimedOut' })]),
      },
    });
    expect((timedOut as { error: string }).error).toMatch(
      /^Tango device test\/slow\/1 did not answer command DevDouble within 1500 ms; its outcome is unknown \(/,
    );
    expect(elapsed).toBeGreaterThanOrEqual(1400);
    expect(elapsed).toBeLessThan(2500);

    // A synchronous attribute read retries its connection after Tango's timeout: the bridge's
    // own deadline answers it.
    const t1 = Date.now();
    const read = await client.request('TangoTest_get_double_scalar', { device: 'test/slow/1' });
    expect(read).toMatchObject({
      status: 'error',
      code: 'TIMEOUT',
      error:
        'TangoTest_get_double_scalar did not finish within its 1500 ms deadline; ' +
        'tango:test/slow/1 stays reserved until it stops',
      data: { deadline_ms: 1500, outcome: 'unknown' },
    });
    expect(Date.now() - t1).toBeLessThan(2500);

    slow.resume();
    expect(
      await eventually(client, 'TangoTest_DevDouble', { arg: 6, device: 'test/slow/1' }),
    ).toMatchObject({
      status: 'ok',
      result: 6,
    });
  });
});

describe('stopping the bridge', () => {
  it('stops by itself when the launcher that started it is gone (LABRELAY_PARENT_PID)', async () => {
    const tango = await startTangoTest({ devices: ['test/orphan/1'] });
    const bridge = await startTangoBridge(
      { devices: [tango.url] },
      {
        env: { LABRELAY_PARENT_PID: '999999' },
        // It may notice before or after its first discovery.
        ready: /labrelay tango bridge ready|the launcher that started this bridge is gone/,
      },
    );
    expect(await bridge.process.exited).toEqual({ code: 0, signal: null });
    expect(bridge.stderr()).toMatch(
      /the launcher that started this bridge is gone; stopping parent=999999/,
    );
  });

  it('answers queued calls UNAVAILABLE, lets the running one finish, and exits 0', async () => {
    const tango = await startTangoTest({ devices: ['test/stop/1'] });
    const bridge = await startTangoBridge({ devices: [tango.url], timeout_ms: 10_000 });
    const client = await connect(bridge);
    expect(resultOf(await client.request('TangoTest_DevDouble', { arg: 1 }))).toBe(1);

    await tango.pause();
    const runningId = uuidv4();
    const queuedId = uuidv4();
    const running = client.request('TangoTest_DevDouble', { arg: 2 }, { id: runningId });
    const states = async () =>
      (
        resultOf(await client.request('worker_status', {})) as {
          operations: Array<{ id: string; state: string }>;
        }
      ).operations.map((o) => `${o.id}:${o.state}`);
    await expect.poll(states, { timeout: 5000 }).toContain(`${runningId}:running`);
    const queued = client.request('TangoTest_DevDouble', { arg: 3 }, { id: queuedId });
    await expect.poll(states, { timeout: 5000 }).toContain(`${queuedId}:queued`);
    bridge.process.child.kill('SIGTERM');
    expect(await queued).toMatchObject({
      status: 'error',
      code: 'UNAVAILABLE',
      error: 'the worker is shutting down',
    });
    // Still answering while it waits for the running call.
    expect(await client.request('health', {}, { timeoutMs: 1000 })).toMatchObject({ status: 'ok' });
    expect(await client.request('TangoTest_DevDouble', { arg: 5 })).toMatchObject({
      code: 'UNAVAILABLE',
    });
    tango.resume();
    expect(await running).toMatchObject({ status: 'ok', result: 2 });
    expect(await bridge.process.exited).toEqual({ code: 0, signal: null });
    expect(bridge.stderr()).toMatch(/stopping signal=SIGTERM/);
    expect(bridge.stderr()).toMatch(/tango bridge stopped/);
  });
});
