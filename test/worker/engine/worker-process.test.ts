import { spawnSync } from 'node:child_process';
import { liveSubscriber } from '../../helpers/events.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { v4 as uuidv4 } from 'uuid';
import { Dealer, Request } from 'zeromq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerClient } from '../../../frontend/worker-client/index.js';
import { startWorkerProcess } from '../../helpers/lab.js';
import { stopAllProcesses } from '../../helpers/labrelay-process.js';
import { pythonWithZmq } from '../../helpers/python.js';

/*
 * A real `labrelay worker` process, driven the way bench scripts drive it: raw REQ and DEALER
 * sockets, a SUB socket for progress, pyzmq.
 *
 *   REQ ──[id,"",request]──▶ ROUTER (worker) ──[id,"",reply]──▶ REQ
 */
let worker: Awaited<ReturnType<typeof startWorkerProcess>>;
const sockets: Array<{ close(): void }> = [];

beforeAll(async () => {
  worker = await startWorkerProcess();
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await stopAllProcesses();
});

function req(): Request {
  const socket = new Request({ linger: 0, receiveTimeout: 5000 });
  socket.connect(worker.workerEndpoint);
  sockets.push(socket);
  return socket;
}

async function exchange(
  socket: Request,
  message: string | Buffer,
): Promise<Record<string, unknown>> {
  await socket.send(message);
  const [reply] = await socket.receive();
  return JSON.parse(reply.toString('utf8'));
}

describe('every malformed envelope gets exactly one error reply, and the worker keeps serving', () => {
  const cases: Array<[string, string | Buffer, string]> = [
    ['bytes that are not JSON', Buffer.from([0xff, 0x00, 0x13, 0x37]), 'BAD_ENVELOPE'],
    ['an empty frame', '', 'BAD_ENVELOPE'],
    ['a JSON value that is not an object', '[1, 2, 3]', 'BAD_ENVELOPE'],
    ['a missing id', '{"method":"health","params":{}}', 'BAD_ENVELOPE'],
    ['a non-string id', '{"id":42,"method":"health","params":{}}', 'BAD_ENVELOPE'],
    ['a missing method', '{"id":"m1","params":{}}', 'BAD_ENVELOPE'],
    ['a non-string method', '{"id":"m2","method":["health"],"params":{}}', 'BAD_ENVELOPE'],
    ['params that are not an object', '{"id":"m3","method":"health","params":[]}', 'BAD_ENVELOPE'],
    ['an unknown method', '{"id":"m4","method":"no_such_method","params":{}}', 'UNKNOWN_METHOD'],
    [
      'params that fail validation',
      '{"id":"m5","method":"diag_sleep","params":{"duration_ms":"soon"}}',
      'INVALID_PARAMS',
    ],
    [
      'a handler that throws',
      '{"id":"m6","method":"diag_fail","params":{"kind":"throw"}}',
      'INTERNAL',
    ],
    [
      'a handler that produces NaN',
      '{"id":"m7","method":"diag_fail","params":{"kind":"nan"}}',
      'INTERNAL',
    ],
  ];
  it.each(cases)('%s', async (_, message, code) => {
    const socket = req();
    const reply = await exchange(socket, message);
    expect(reply).toMatchObject({ status: 'error', code });
    expect(typeof reply.error).toBe('string');
    // The same socket is usable again: exactly one reply came back.
    expect(
      await exchange(socket, JSON.stringify({ id: uuidv4(), method: 'health', params: {} })),
    ).toMatchObject({
      status: 'ok',
      result: { status: 'ok' },
    });
  });

  it('a multi-frame request is answered once, from its first frame', async () => {
    const socket = req();
    await socket.send([JSON.stringify({ id: 'mf', method: 'health', params: {} }), 'extra']);
    const [reply] = await socket.receive();
    expect(JSON.parse(reply.toString())).toMatchObject({ id: 'mf', status: 'ok' });
  });
});

it('a DEALER client with several requests outstanding gets each reply under its id', async () => {
  const dealer = new Dealer({ linger: 0, receiveTimeout: 5000 });
  dealer.connect(worker.workerEndpoint);
  sockets.push(dealer);
  const ids = ['slow', 'fast', 'echo'];
  await dealer.send(
    JSON.stringify({ id: 'slow', method: 'diag_sleep', params: { duration_ms: 300, lane: 'd1' } }),
  );
  await dealer.send(JSON.stringify({ id: 'fast', method: 'health', params: {} }));
  await dealer.send(
    JSON.stringify({ id: 'echo', method: 'diag_echo', params: { value: [1, 'two'] } }),
  );
  const replies = new Map<string, Record<string, unknown>>();
  for (let i = 0; i < ids.length; i++) {
    const [frame] = await dealer.receive();
    const reply = JSON.parse(frame.toString());
    replies.set(reply.id, reply);
  }
  expect(replies.get('fast')).toMatchObject({ status: 'ok', result: { status: 'ok' } });
  expect(replies.get('echo')).toMatchObject({ status: 'ok', result: [1, 'two'] });
  expect(replies.get('slow')).toMatchObject({ status: 'ok', result: { steps: 10 } });
});

it("Python's zmq.REQ works against the worker as it is", () => {
  const script = `
import json, sys, uuid, zmq
sock = zmq.Context().socket(zmq.REQ)
sock.setsockopt(zmq.RCVTIMEO, 5000)
sock.connect(sys.argv[1])
out = []
for method, params in [("health", {}), ("diag_echo", {"value": {"k": [1.5, None]}}), ("nope", {})]:
    sock.send_string(json.dumps({"id": str(uuid.uuid4()), "method": method, "params": params}))
    out.append(json.loads(sock.recv_string()))
print(json.dumps(out))
`;
  const run = spawnSync(pythonWithZmq(), ['-c', script, worker.workerEndpoint], {
    encoding: 'utf8',
  });
  expect(run.stderr).toBe('');
  const [health, echo, unknown] = JSON.parse(run.stdout);
  expect(health).toMatchObject({ status: 'ok', result: { status: 'ok' } });
  expect(echo).toMatchObject({ status: 'ok', result: { k: [1.5, null] } });
  expect(unknown).toMatchObject({ status: 'error', code: 'UNKNOWN_METHOD' });
});

it('a repeated request id is executed once, whichever socket resends it', async () => {
  const lane = `dup${Date.now() % 100000}`;
  const id = uuidv4();
  const message = JSON.stringify({ id, method: 'diag_counter_increment', params: { lane } });
  const [a, b] = await Promise.all([exchange(req(), message), exchange(req(), message)]);
  const c = await exchange(req(), message);
  expect(a).toEqual(b);
  expect(c).toEqual(a);
  expect(a).toMatchObject({ result: { lane, count: 1 } });
  const read = await exchange(
    req(),
    JSON.stringify({ id: uuidv4(), method: 'diag_counter_read', params: { lane } }),
  );
  expect(read).toMatchObject({ result: { count: 1 } });
});

it('a bench script sees progress on the PUB socket and can cancel from a second socket', async () => {
  const id = uuidv4();
  // Subscriptions take a moment to reach the publisher (zguide: the slow joiner): a heartbeat
  // through the same socket says it has.
  const events = await liveSubscriber(worker.eventsEndpoint, [id], 5000);
  sockets.push(events.sub);
  const caller = req();
  await caller.send(
    JSON.stringify({
      id,
      method: 'diag_sleep',
      params: { duration_ms: 10_000, steps: 200, lane: 'pc' },
    }),
  );
  const [topic, body] = await events.next(id);
  expect(topic).toBe(id);
  expect(JSON.parse(body.toString())).toMatchObject({
    type: 'progress',
    id,
    progress: 1,
    total: 200,
  });
  const cancel = await exchange(
    req(),
    JSON.stringify({ id: uuidv4(), method: 'cancel', params: { id } }),
  );
  expect(cancel).toMatchObject({ status: 'ok', result: { id, state: 'running', cancelled: true } });
  const [reply] = await caller.receive();
  expect(JSON.parse(reply.toString())).toMatchObject({ id, status: 'error', code: 'CANCELLED' });
});

it('describe lists the methods as JSON Schema for clients without TypeScript', async () => {
  const client = new WorkerClient({ endpoint: worker.workerEndpoint, events: false });
  try {
    const described = await client.describe();
    expect(described.protocol).toBe('labrelay/1');
    expect(described.events_endpoint).toBe(worker.eventsEndpoint);
    const sleep = described.methods.find((m) => m.name === 'diag_sleep')!;
    expect(sleep.inputSchema).toMatchObject({
      type: 'object',
      properties: { duration_ms: { type: 'integer', minimum: 0, maximum: 600000 } },
      required: ['duration_ms'],
      additionalProperties: false,
    });
    expect(sleep).toMatchObject({ resource: 'diag:{lane}', annotations: { readOnlyHint: true } });
    expect(described.methods.find((m) => m.name === 'describe')?.mcp).toBe(false);
  } finally {
    client.close();
  }
});

it('the audit log holds every completed device operation after the worker is killed', async () => {
  const own = await startWorkerProcess();
  const client = new WorkerClient({ endpoint: own.workerEndpoint, events: false });
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) {
    const id = uuidv4();
    ids.push(id);
    await client.request('diag_counter_increment', { lane: 'audit' }, { id });
  }
  own.process.child.kill('SIGKILL');
  await own.process.exited;
  client.close();
  const lines = readFileSync(join(own.dataDir, 'audit.jsonl'), 'utf8').trim().split('\n');
  const records = lines.map((line) => JSON.parse(line));
  // Each write's "started" line is written before it runs (fail closed), its ending after.
  const ended = records.filter((r) => r.outcome !== 'started');
  expect(records.filter((r) => r.outcome === 'started').map((r) => r.id)).toEqual(ids);
  expect(ended.map((r) => r.id)).toEqual(ids);
  expect(ended.map((r) => r.result.count)).toEqual(ids.map((_, i) => i + 1));
});
