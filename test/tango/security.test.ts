import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dealer, Subscriber, curveKeyPair } from 'zeromq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerClient } from '../../frontend/worker-client/index.js';
import { stopAllProcesses } from '../helpers/labrelay-process.js';
import { freePorts } from '../helpers/ports.js';
import {
  runBridgeToExit,
  spawnBridge,
  startTangoBridge,
  startTangoTest,
  stopAllTangoTests,
  type TangoTestServer,
} from '../helpers/tango.js';

/*
 * What the bridge refuses to do: bind beyond loopback without CURVE keys, start with settings
 * it does not understand, or answer a client that does not hold the right keys.
 *
 *   DEALER (curveServerKey = bridge public key) ══CURVE══▶ ROUTER (curve_server)  → answered
 *   DEALER (a wrong server key, or none)        ──────────▶ ROUTER                 → silence
 */
let tango: TangoTestServer;
const sockets: Array<{ close(): void }> = [];

beforeAll(async () => {
  tango = await startTangoTest();
});

afterAll(async () => {
  for (const s of sockets) s.close();
  await stopAllProcesses();
  await stopAllTangoTests();
});

const health = JSON.stringify({ id: 'h1', method: 'health', params: {} });

/** Sends health on a DEALER with these CURVE options; the reply, or null after `waitMs` of silence. */
async function tryHealth(
  endpoint: string,
  curve: { serverKey: string; publicKey: string; secretKey: string } | null,
  waitMs = 1000,
): Promise<string | null> {
  const dealer = new Dealer({ linger: 0, receiveTimeout: waitMs });
  sockets.push(dealer);
  if (curve) {
    dealer.curveServerKey = curve.serverKey;
    dealer.curvePublicKey = curve.publicKey;
    dealer.curveSecretKey = curve.secretKey;
  }
  dealer.connect(endpoint);
  await dealer.send(health);
  try {
    const [reply] = await dealer.receive();
    return reply.toString();
  } catch {
    return null;
  } finally {
    dealer.close();
  }
}

describe('binding', () => {
  it('refuses a non-loopback endpoint without CURVE keys, saying why and how', async () => {
    const [port] = await freePorts(1);
    const endpoint = `tcp://0.0.0.0:${port}`;
    const { code, stderr } = await runBridgeToExit([
      '--config-json',
      JSON.stringify({ bind: endpoint, devices: [tango.url] }),
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain(
      `refusing to bind ${endpoint} without CURVE keys: a worker reachable from other machines ` +
        'would let anyone on the network drive the instruments. Generate a key pair with ' +
        '`labrelay keys`, put it under tango.curve in the config',
    );
    // The events endpoint counts too.
    const [a, b] = await freePorts(2);
    const events = await runBridgeToExit([
      '--config-json',
      JSON.stringify({
        bind: `tcp://127.0.0.1:${a}`,
        events_endpoint: `tcp://*:${b}`,
        devices: [tango.url],
      }),
    ]);
    expect(events.code).toBe(2);
    expect(events.stderr).toContain(`refusing to bind tcp://*:${b} without CURVE keys`);
  });

  it('binds beyond loopback when it has keys', async () => {
    const keys = curveKeyPair();
    const client = curveKeyPair();
    const [port, eventsPort] = await freePorts(2);
    const bridge = await startTangoBridge({
      bind: `tcp://0.0.0.0:${port}`,
      events_endpoint: `tcp://0.0.0.0:${eventsPort}`,
      devices: [tango.url],
      curve: { public_key: keys.publicKey, secret_key: keys.secretKey },
    });
    expect(bridge.stderr()).toMatch(/curve=on, any client that knows the server key/);
    const reply = await tryHealth(`tcp://127.0.0.1:${port}`, {
      serverKey: keys.publicKey,
      publicKey: client.publicKey,
      secretKey: client.secretKey,
    });
    expect(JSON.parse(reply!)).toEqual({ id: 'h1', status: 'ok', result: { status: 'ok' } });
  });
});

describe('settings', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['an unknown key', { devicez: [] }, "unknown key 'devicez'; allowed: name, bind,"],
    ['a timeout out of range', { timeout_ms: 5 }, 'timeout_ms = 5: must be an integer from 100'],
    ['a malformed device', { devices: ['not-a-device'] }, "devices = 'not-a-device': each must be"],
    [
      'a bad CURVE key',
      { curve: { public_key: 'short', secret_key: 'x' } },
      'curve.public_key: a CURVE key must be 40 characters',
    ],
    ['an unknown CURVE key', { curve: { public: 'x' } }, 'unknown key curve.public'],
    ['blocked_functions of the wrong shape', { blocked_functions: 'Init' }, 'blocked_functions = '],
  ];
  it.each(cases)('stops with exit status 2 on %s, naming the key', async (_, settings, message) => {
    const { code, stderr } = await runBridgeToExit([
      '--config-json',
      JSON.stringify({ devices: [tango.url], ...settings }),
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain('labrelay tango bridge: configuration error: ');
    expect(stderr).toContain(message);
  });

  it('stops when there is nothing to serve: no devices and no Tango database', async () => {
    const { code, stderr } = await runBridgeToExit(['--config-json', '{}'], {
      env: { TANGO_HOST: '' },
    });
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /nothing to serve: list devices .* or name a Tango database with tango_host/,
    );
  });

  it('writes no audit log with audit_log: false, and a named one otherwise', async () => {
    const off = await startTangoBridge({ devices: [tango.url], audit_log: false });
    const named = await startTangoBridge({ devices: [tango.url], audit_log: 'calls.jsonl' });
    for (const [bridge, path] of [
      [off, null],
      [named, join(named.dataDir, 'calls.jsonl')],
    ] as const) {
      const client = new WorkerClient({ endpoint: bridge.endpoint, events: false });
      try {
        await client.request('TangoTest_DevVoid', {});
        const status = await client.request('worker_status', {});
        expect(status).toMatchObject({ status: 'ok', result: { audit_log: path } });
      } finally {
        client.close();
      }
    }
    expect(existsSync(join(off.dataDir, 'tango-audit.jsonl'))).toBe(false);
    expect(readFileSync(join(named.dataDir, 'calls.jsonl'), 'utf8')).toContain(
      '"TangoTest_DevVoid"',
    );
  });

  it('takes its settings from a file and flags (flags win)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'labrelay-tango-'));
    const [port, filePort, eventsPort] = await freePorts(3);
    const file = join(dir, 'bridge.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'from-file',
        bind: `tcp://127.0.0.1:${filePort}`,
        events_endpoint: `tcp://127.0.0.1:${eventsPort}`,
        data_dir: dir,
        attribute_tools: false,
      }),
    );
    const endpoint = `tcp://127.0.0.1:${port}`;
    const bridge = spawnBridge([
      '--config',
      file,
      '--device',
      tango.url,
      '--bind',
      endpoint,
      '--attribute-tools',
    ]);
    await bridge.waitFor(/labrelay tango bridge ready: 123 tool\(s\) on (\S+)/);
    expect(bridge.stderr).toContain(`labrelay tango bridge ready: 123 tool(s) on ${endpoint}`);
    const client = new WorkerClient({ endpoint, events: false });
    try {
      expect((await client.describe()).worker.name).toBe('from-file');
    } finally {
      client.close();
    }
  });
});

describe('CURVE', () => {
  it('answers a client that knows the server key, and nobody else', async () => {
    const server = curveKeyPair();
    const client = curveKeyPair();
    const bridge = await startTangoBridge({
      devices: [tango.url],
      curve: { public_key: server.publicKey, secret_key: server.secretKey },
    });
    const good = {
      serverKey: server.publicKey,
      publicKey: client.publicKey,
      secretKey: client.secretKey,
    };
    expect(JSON.parse((await tryHealth(bridge.endpoint, good))!)).toMatchObject({ status: 'ok' });
    const wrongServerKey = { ...good, serverKey: curveKeyPair().publicKey };
    expect(await tryHealth(bridge.endpoint, wrongServerKey)).toBeNull();
    expect(await tryHealth(bridge.endpoint, null)).toBeNull();

    // labrelay's own client with keys, and the events socket under CURVE too.
    const worker = new WorkerClient({
      endpoint: bridge.endpoint,
      events: false,
      curve: {
        serverPublicKey: server.publicKey,
        publicKey: client.publicKey,
        secretKey: client.secretKey,
      },
    });
    try {
      expect(await worker.request('TangoTest_DevDouble', { arg: 3.5 })).toMatchObject({
        result: 3.5,
      });
    } finally {
      worker.close();
    }
    const sub = new Subscriber({ linger: 0, receiveTimeout: 3000 });
    sockets.push(sub);
    sub.curveServerKey = server.publicKey;
    sub.curvePublicKey = client.publicKey;
    sub.curveSecretKey = client.secretKey;
    sub.connect(bridge.eventsEndpoint);
    sub.subscribe('$heartbeat');
    const [topic] = await sub.receive();
    expect(topic.toString()).toBe('$heartbeat');
  });

  it('with authorized_clients, turns away a client whose own key is not listed', async () => {
    const server = curveKeyPair();
    const allowed = curveKeyPair();
    const stranger = curveKeyPair();
    const bridge = await startTangoBridge({
      devices: [tango.url],
      curve: {
        public_key: server.publicKey,
        secret_key: server.secretKey,
        authorized_clients: [allowed.publicKey],
      },
    });
    expect(bridge.stderr()).toMatch(/curve=on, 1 authorized client key\(s\)/);
    const as = (keys: { publicKey: string; secretKey: string }) => ({
      serverKey: server.publicKey,
      publicKey: keys.publicKey,
      secretKey: keys.secretKey,
    });
    expect(JSON.parse((await tryHealth(bridge.endpoint, as(allowed)))!)).toMatchObject({
      status: 'ok',
    });
    expect(await tryHealth(bridge.endpoint, as(stranger))).toBeNull();
    expect(bridge.stderr()).toContain(
      `refused a CURVE client whose key is not authorized address=127.0.0.1 client_key=${stranger.publicKey}`,
    );
  });
});
