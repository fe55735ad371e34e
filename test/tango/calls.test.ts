import { readFileSync } from 'node:fs';
import { v4 as uuidv4 } from 'uuid';
import { Dealer, Request } from 'zeromq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerClient } from '../../frontend/worker-client/index.js';
import { decodeRequest, type ReplyEnvelope } from '../../protocol/index.js';
import { stopAllProcesses } from '../helpers/labrelay-process.js';
import {
  startTangoBridge,
  startTangoTest,
  stopAllTangoTests,
  type TangoBridge,
  type TangoTestServer,
} from '../helpers/tango.js';

/*
 * Tool calls through the bridge to a real TangoTest, as a client sees them:
 *
 *   WorkerClient / DEALER ──[request]──▶ ROUTER ─▶ check params ─▶ lane sys/tg_test/1 ─▶ TangoTest
 *                         ◀─[reply]──── ROUTER ◀─ audit line ◀──── result as JSON ◀─────┘
 */
let tango: TangoTestServer;
let bridge: TangoBridge;
let client: WorkerClient;
const sockets: Array<{ close(): void }> = [];

beforeAll(async () => {
  tango = await startTangoTest();
  bridge = await startTangoBridge({ devices: [tango.url], attribute_tools: true });
  client = new WorkerClient({ endpoint: bridge.endpoint, events: false });
  await client.describe();
});

afterAll(async () => {
  client?.close();
  for (const s of sockets) s.close();
  await stopAllProcesses();
  await stopAllTangoTests();
});

async function ok(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
  const reply = await client.request(method, params);
  if (reply.status !== 'ok') throw new Error(`${method} failed: ${reply.error} [${reply.code}]`);
  return reply.result;
}

async function fails(method: string, params: Record<string, unknown> = {}, id?: string) {
  const reply = await client.request(method, params, id ? { id } : {});
  if (reply.status !== 'error') throw new Error(`${method} succeeded: ${JSON.stringify(reply)}`);
  return reply;
}

function dealer(): Dealer {
  const socket = new Dealer({ linger: 0, receiveTimeout: 5000 });
  socket.connect(bridge.endpoint);
  sockets.push(socket);
  return socket;
}

/** One exchange on a DEALER, as raw text both ways. */
async function rawExchange(text: string | Buffer): Promise<string> {
  const socket = dealer();
  await socket.send(text);
  const [reply] = await socket.receive();
  return reply.toString('utf8');
}

function auditLines(id: string): Array<Record<string, unknown>> {
  return readFileSync(bridge.auditPath, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.id === id);
}

describe('commands reach the device and come back as plain JSON', () => {
  it('echoes DevDouble, DevFloat, DevBoolean and DevString', async () => {
    expect(await ok('TangoTest_DevDouble', { arg: 3.5 })).toBe(3.5);
    expect(await ok('TangoTest_DevDouble', { arg: -1e-300 })).toBe(-1e-300);
    expect(await ok('TangoTest_DevFloat', { arg: 1.5 })).toBe(1.5);
    expect(await ok('TangoTest_DevBoolean', { arg: true })).toBe(true);
    expect(await ok('TangoTest_DevBoolean', { arg: false })).toBe(false);
    // Latin-1 is what a Tango string carries.
    expect(await ok('TangoTest_DevString', { arg: 'héllo, Tango · 25 °C' })).toBe(
      'héllo, Tango · 25 °C',
    );
  });

  it('runs DevVoid with no argument and returns null; State and Status read the device', async () => {
    expect(await ok('TangoTest_DevVoid')).toBeNull();
    expect(await ok('TangoTest_State')).toBe('RUNNING');
    expect(await ok('TangoTest_Status')).toBe('The device is in RUNNING state.');
  });

  it('round-trips arrays of every width (numpy → plain JSON)', async () => {
    expect(
      await ok('TangoTest_DevVarLongArray', { arg: [1, -2, 2147483647, -2147483648] }),
    ).toEqual([1, -2, 2147483647, -2147483648]);
    expect(await ok('TangoTest_DevVarLongArray', { arg: [] })).toEqual([]);
    expect(await ok('TangoTest_DevVarCharArray', { arg: [0, 7, 255] })).toEqual([0, 7, 255]);
    expect(await ok('TangoTest_DevVarUShortArray', { arg: [0, 65535] })).toEqual([0, 65535]);
    expect(await ok('TangoTest_DevVarDoubleArray', { arg: [0.5, -2, 1e100] })).toEqual([
      0.5, -2, 1e100,
    ]);
    expect(await ok('TangoTest_DevVarStringArray', { arg: ['a', '', 'ç'] })).toEqual([
      'a',
      '',
      'ç',
    ]);
  });

  it('round-trips DevVarLongStringArray and DevVarDoubleStringArray as {lvalue|dvalue, svalue}', async () => {
    expect(
      await ok('TangoTest_DevVarLongStringArray', { arg: { lvalue: [1, -2], svalue: ['x', 'y'] } }),
    ).toEqual({ lvalue: [1, -2], svalue: ['x', 'y'] });
    expect(
      await ok('TangoTest_DevVarDoubleStringArray', { arg: { dvalue: [2.5], svalue: ['z'] } }),
    ).toEqual({ dvalue: [2.5], svalue: ['z'] });
  });

  it('carries 64-bit integers beyond 2^53 exactly (the reply text, read before JSON.parse)', async () => {
    for (const [tool, value] of [
      ['TangoTest_DevULong64', '18446744073709551615'],
      ['TangoTest_DevLong64', '-9223372036854775808'],
      ['TangoTest_DevLong64', '9007199254740993'],
    ]) {
      const reply = await rawExchange(
        `{"id":"big-${tool}-${value}","method":"${tool}","params":{"arg":${value}}}`,
      );
      // Every write also reports what it sent and read back (the safety policy's write report).
      expect(reply).toBe(
        `{"id":"big-${tool}-${value}","status":"ok","result":${value},"write":{"sent":` +
          `["sys/tg_test/1: command_inout ${tool.slice('TangoTest_'.length)} ${value}"],"applied":{}}}`,
      );
    }
    const array = await rawExchange(
      '{"id":"big-array","method":"TangoTest_DevVarULong64Array","params":{"arg":[18446744073709551615,0]}}',
    );
    expect(array).toMatch(
      /^\{"id":"big-array","status":"ok","result":\[18446744073709551615,0\],"write":/,
    );
    // Through WorkerClient (JavaScript numbers) the safe range is exact too.
    expect(await ok('TangoTest_DevULong64', { arg: 9007199254740991 })).toBe(9007199254740991);
  });
});

describe('a value of the wrong type or out of range is refused before it reaches the device', () => {
  it('refuses DevShort 40000, naming the field, the value and the range', async () => {
    const id = uuidv4();
    const reply = await fails('TangoTest_DevShort', { arg: 40000 }, id);
    expect(reply).toMatchObject({
      code: 'INVALID_PARAMS',
      error:
        'invalid params for TangoTest_DevShort: "arg" = 40000: out of range: expected an integer ' +
        'from -32768 to 32767 (DevShort) (Any DevShort value)',
      data: { path: ['params', 'arg'] },
    });
    // The audit log shows the refusal, and that no device was involved.
    expect(auditLines(id)).toEqual([
      expect.objectContaining({
        method: 'TangoTest_DevShort',
        resource: null,
        params: { arg: 40000 },
        outcome: 'error',
        code: 'INVALID_PARAMS',
        queued_ms: 0,
        duration_ms: 0,
      }),
    ]);
  });

  it('refuses DevUChar -1 (an attribute write and an array element)', async () => {
    const write = await fails('TangoTest_set_uchar_scalar', { value: -1 });
    expect(write.error).toBe(
      'invalid params for TangoTest_set_uchar_scalar: "value" = -1: out of range: expected an ' +
        'integer from 0 to 255 (DevUChar) (The value to write.)',
    );
    expect(write.data).toMatchObject({ path: ['params', 'value'] });
    const array = await fails('TangoTest_DevVarCharArray', { arg: [1, -1, 256] });
    expect(array.error).toBe(
      'invalid params for TangoTest_DevVarCharArray: "arg.1" = -1: out of range: expected an ' +
        'integer from 0 to 255 (DevUChar); "arg.2" = 256: out of range: expected an integer from ' +
        '0 to 255 (DevUChar)',
    );
    expect(array.data).toMatchObject({
      path: ['params', 'arg', '1'],
      issues: [{ path: ['arg', '1'] }, { path: ['arg', '2'] }],
    });
  });

  it('refuses wrong types, fractions, missing and unknown fields, and floats beyond float32', async () => {
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      [
        'TangoTest_DevDouble',
        { arg: 'three' },
        /"arg" = "three": expected a finite number \(DevDouble\), received a string/,
      ],
      [
        'TangoTest_DevLong',
        { arg: 1.5 },
        /"arg" = 1\.5: expected an integer from -2147483648 to 2147483647 \(DevLong\), received 1\.5/,
      ],
      ['TangoTest_DevBoolean', { arg: 1 }, /"arg" = 1: expected true or false \(DevBoolean\)/],
      ['TangoTest_DevDouble', {}, /"arg" is missing: required: expected a finite number/],
      ['TangoTest_DevDouble', { arg: 1, extra: 2 }, /unknown parameter "extra"; allowed: arg/],
      ['TangoTest_DevVoid', { arg: 1 }, /unknown parameter "arg"; this method takes no parameters/],
      ['TangoTest_DevFloat', { arg: 1e39 }, /"arg" = 1e\+39: out of range: expected a number from/],
      [
        'TangoTest_DevVarLongStringArray',
        { arg: { lvalue: [1] } },
        /"arg\.svalue" is missing: required/,
      ],
      ['TangoTest_DevVarDoubleArray', { arg: 5 }, /"arg" = 5: expected an array of finite numbers/],
    ];
    for (const [tool, params, message] of cases) {
      const reply = await fails(tool, params);
      expect(reply.code, tool).toBe('INVALID_PARAMS');
      expect(reply.error, tool).toMatch(message);
    }
  });

  it('refuses text outside Latin-1 (PyTango 9.3 would crash on it) and NUL (Tango would cut it)', async () => {
    const euro = await fails('TangoTest_DevString', { arg: 'labrelay ↔ Tango' });
    expect(euro.error).toBe(
      'invalid params for TangoTest_DevString: "arg" = "labrelay ↔ Tango": not Latin-1 text: "↔" ' +
        '(U+2194) at index 9; Tango strings are byte strings that PyTango sends as Latin-1',
    );
    const nul = await fails('TangoTest_DevVarStringArray', { arg: ['ok', 'a\u0000b'] });
    expect(nul.error).toMatch(/"arg\.1" = "a\\u0000b": holds a NUL character at index 1/);
    // The bridge is still there.
    expect(await ok('health')).toEqual({ status: 'ok' });
  });

  it('leaves the device untouched: a refused write does not change the attribute', async () => {
    expect(await ok('TangoTest_set_short_scalar_w', { value: 5 })).toMatchObject({ value: 5 });
    expect((await fails('TangoTest_set_short_scalar_w', { value: 40000 })).code).toBe(
      'INVALID_PARAMS',
    );
    expect((await fails('TangoTest_set_short_scalar_w', { value: 'x' })).code).toBe(
      'INVALID_PARAMS',
    );
    expect(await ok('TangoTest_get_short_scalar_w')).toMatchObject({ value: 5 });
  });
});

describe('attributes (attribute_tools: true)', () => {
  it('reads a scalar with its units and quality, and writes one and reads it back', async () => {
    const read = (await ok('TangoTest_get_double_scalar')) as Record<string, unknown>;
    expect(read).toMatchObject({ units: null, quality: 'VALID' });
    expect(typeof read.value).toBe('number');
    expect(await ok('TangoTest_set_double_scalar_w', { value: 2.25 })).toEqual({
      value: 2.25,
      units: null,
      quality: 'VALID',
    });
    expect(await ok('TangoTest_get_double_scalar_w')).toMatchObject({ value: 2.25 });
    expect(await ok('TangoTest_set_string_scalar', { value: 'écrit' })).toMatchObject({
      value: 'écrit',
    });
  });

  it('reads spectra as arrays and images as arrays of rows', async () => {
    const spectrum = (await ok('TangoTest_get_double_spectrum_ro')) as { value: number[] };
    expect(Array.isArray(spectrum.value)).toBe(true);
    expect(spectrum.value.every((v) => typeof v === 'number')).toBe(true);
    const image = (await ok('TangoTest_get_short_image_ro')) as { value: number[][] };
    expect(image.value.length).toBe(251);
    expect(image.value[0].length).toBe(251);
    expect(await ok('TangoTest_set_long_spectrum', { value: [3, 2, 1] })).toMatchObject({
      value: [3, 2, 1],
    });
    expect((await ok('TangoTest_get_State')) as object).toMatchObject({ value: 'RUNNING' });
  });

  it('answers DEVICE_ERROR with the DevFailed stack when the device raises', async () => {
    const reply = await fails('TangoTest_get_throw_exception');
    expect(reply.code).toBe('DEVICE_ERROR');
    expect(reply.error).toMatch(
      /^Tango device sys\/tg_test\/1 failed a read of attribute throw_exception: exception test: here is the exception you requested/,
    );
    expect(reply.data).toMatchObject({
      device: 'sys/tg_test/1',
      errors: [
        {
          reason: 'exception test',
          desc: 'here is the exception you requested',
          origin: 'TangoTest::read_throw_exception',
          severity: 'ERR',
        },
        { reason: 'API_AttributeFailed', severity: 'ERR' },
      ],
    });
  });
});

describe('the reply cache: a retry under the same id is answered, not run again', () => {
  it('toggles the device state once for two sends of one SwitchStates request', async () => {
    expect(await ok('TangoTest_State')).toBe('RUNNING');
    const id = uuidv4();
    const first = await client.request('TangoTest_SwitchStates', {}, { id });
    const again = await client.request('TangoTest_SwitchStates', {}, { id });
    expect(first).toMatchObject({ id, status: 'ok', result: null });
    expect(again).toEqual(first);
    expect(await ok('TangoTest_State')).toBe('FAULT');
    // Run once: its "started" line and its ending.
    expect(auditLines(id).map((l) => l.outcome)).toEqual(['started', 'ok']);
    await ok('TangoTest_SwitchStates');
    expect(await ok('TangoTest_State')).toBe('RUNNING');
  });

  it('answers a retry sent while the first is still in flight with the same reply', async () => {
    const socket = dealer();
    const text = JSON.stringify({ id: 'inflight-1', method: 'TangoTest_DevVoid', params: {} });
    await socket.send(text);
    await socket.send(text);
    const [a] = await socket.receive();
    const [b] = await socket.receive();
    expect(a.toString()).toBe(
      '{"id":"inflight-1","status":"ok","result":null,' +
        '"write":{"sent":["sys/tg_test/1: command_inout DevVoid"],"applied":{}}}',
    );
    expect(b.toString()).toBe(a.toString());
    expect(auditLines('inflight-1').map((l) => l.outcome)).toEqual(['started', 'ok']);
  });

  it('refuses the same id for a different request', async () => {
    const id = uuidv4();
    await ok('health');
    expect((await client.request('TangoTest_DevDouble', { arg: 1 }, { id })).status).toBe('ok');
    expect(await client.request('TangoTest_DevDouble', { arg: 2 }, { id })).toMatchObject({
      id,
      status: 'error',
      code: 'BAD_ENVELOPE',
      error: `request id ${id} was already used for a different request; use a new id (a UUID) for every request and the same id only to retry it`,
    });
  });
});

describe('envelopes: every message gets exactly one reply, worded as the TypeScript worker words it', () => {
  const cases: Array<[string, string | Buffer]> = [
    ['an empty frame', ''],
    ['bytes that are not JSON', Buffer.from([0xff, 0x00, 0x13, 0x37])],
    ['NaN, which JSON does not have', '{"id":"n1","method":"health","params":{"x":NaN}}'],
    ['an array', '[1, 2, 3]'],
    ['a string', '"health"'],
    ['null', 'null'],
    ['a missing id', '{"method":"health","params":{}}'],
    ['a numeric id', '{"id":42,"method":"health","params":{}}'],
    ['an empty id', '{"id":"","method":"health","params":{}}'],
    ['an id of 300 characters', JSON.stringify({ id: 'x'.repeat(300), method: 'health' })],
    ['an object id', '{"id":{"a":[1,2.5]},"method":"health"}'],
    ['a missing method', '{"id":"m1","params":{}}'],
    ['a method that is an array', '{"id":"m2","method":["health"],"params":{}}'],
    ['params that are an array', '{"id":"m3","method":"health","params":[]}'],
    ['params that are null', '{"id":"m4","method":"health","params":null}'],
    ['params that are a string', '{"id":"m5","method":"health","params":"x"}'],
  ];
  it.each(cases)('%s', async (_, message) => {
    const socket = new Request({ linger: 0, receiveTimeout: 5000 });
    socket.connect(bridge.endpoint);
    sockets.push(socket);
    await socket.send(message);
    const [frame] = await socket.receive();
    const reply = JSON.parse(frame.toString('utf8')) as ReplyEnvelope;
    const expected = decodeRequest(typeof message === 'string' ? message : new Uint8Array(message));
    if (expected.ok) throw new Error('the TypeScript decoder accepts this message');
    expect(reply).toMatchObject({ status: 'error', code: 'BAD_ENVELOPE', id: expected.id });
    if (expected.error.message.startsWith('request is not valid JSON')) {
      // The parser's own detail differs between JavaScript and Python.
      expect((reply as { error: string }).error).toMatch(/^request is not valid JSON \(.+\)$/);
    } else {
      expect((reply as { error: string }).error).toBe(expected.error.message);
    }
    // The same REQ socket is usable again: exactly one reply came back.
    await socket.send(JSON.stringify({ id: uuidv4(), method: 'health', params: {} }));
    const [next] = await socket.receive();
    expect(JSON.parse(next.toString())).toMatchObject({ status: 'ok', result: { status: 'ok' } });
  });

  it('answers an unknown method with UNKNOWN_METHOD listing what is served', async () => {
    const reply = await fails('TangoTest_NoSuchCommand');
    expect(reply).toMatchObject({
      code: 'UNKNOWN_METHOD',
      data: { method: 'TangoTest_NoSuchCommand' },
    });
    expect(reply.error).toMatch(
      /^unknown method "TangoTest_NoSuchCommand"; this worker serves: health, describe, cancel, worker_status, list_devices, /,
    );
  });

  it('answers core methods’ invalid params with INVALID_PARAMS', async () => {
    expect((await fails('health', { x: 1 })).error).toBe(
      'invalid params for health: unknown parameter "x"; this method takes no parameters',
    );
    expect((await fails('cancel', {})).data).toMatchObject({ path: ['params', 'id'] });
    expect((await fails('list_devices', { device_class: '' })).code).toBe('INVALID_PARAMS');
  });

  it('counts requests and errors in worker_status, and names the audit log', async () => {
    const status = (await ok('worker_status')) as Record<string, unknown>;
    expect(status).toMatchObject({ operations: [], audit_log: bridge.auditPath });
    expect(status.requests as number).toBeGreaterThan(20);
    expect((status.errors as Record<string, number>).INVALID_PARAMS).toBeGreaterThan(5);
    expect((status.errors as Record<string, number>).BAD_ENVELOPE).toBeGreaterThan(5);
    expect(await ok('cancel', { id: 'never-sent' })).toEqual({
      id: 'never-sent',
      state: 'unknown',
      cancelled: false,
    });
  });

  it('writes one audit line per device call, with the TypeScript worker’s fields', async () => {
    const id = uuidv4();
    await client.request('TangoTest_DevDouble', { arg: 4.5 }, { id });
    const [started, line] = auditLines(id);
    expect(started).toMatchObject({ outcome: 'started', queued_ms: 0, duration_ms: 0 });
    expect(Object.keys(line)).toEqual([
      'time', 'id', 'method', 'resource', 'params', 'queued_ms', 'duration_ms', 'outcome', 'write',
      'result',
    ]); // prettier-ignore
    expect(line).toMatchObject({
      method: 'TangoTest_DevDouble',
      resource: 'tango:sys/tg_test/1',
      params: { arg: 4.5 },
      outcome: 'ok',
      result: 4.5,
    });
    expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });
});
