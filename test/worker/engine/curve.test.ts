import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { curveKeyPair } from 'zeromq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerClient } from '../../../frontend/worker-client/index.js';
import { labConfig } from '../../helpers/lab.js';
import { ENTRY, LabrelayProcess, stopAllProcesses } from '../../helpers/labrelay-process.js';
import { connectHttp } from '../../helpers/mcp-client.js';
import { freePorts } from '../../helpers/ports.js';
import { pythonWithZmq } from '../../helpers/python.js';

afterAll(stopAllProcesses);

const server = curveKeyPair();
const allowed = curveKeyPair();
const stranger = curveKeyPair();

/** Asks `health` once; resolves with the reply's code, or "ok". */
async function healthWith(endpoint: string, curve?: Parameters<typeof clientWith>[1]) {
  const client = clientWith(endpoint, curve);
  try {
    const reply = await client.request('health', {}, { timeoutMs: 1500 });
    return reply.status === 'ok' ? 'ok' : reply.code;
  } finally {
    client.close();
  }
}

function clientWith(
  endpoint: string,
  curve?: { serverPublicKey: string; publicKey: string; secretKey: string },
) {
  return new WorkerClient({ endpoint, events: false, idempotentRetries: 0, curve });
}

describe('a worker bound beyond loopback', () => {
  let endpoint: string;
  let open: string;
  let dataDir: string;

  beforeAll(async () => {
    // 0.0.0.0 is every interface: exactly the bind that must be secured.
    const [port, openPort] = await freePorts(2);
    const secured = await labConfig({
      worker: [
        `  curve:`,
        `    public_key: ${JSON.stringify(server.publicKey)}`,
        `    secret_key: ${JSON.stringify(server.secretKey)}`,
        `    authorized_clients: [${JSON.stringify(allowed.publicKey)}]`,
      ].join('\n'),
    });
    dataDir = secured.dataDir;
    const bind = ['--bind', `tcp://0.0.0.0:${port}`];
    const worker = LabrelayProcess.spawn(['worker', '--config', secured.configPath, ...bind]);
    await worker.waitFor(/worker ready .*curve=on, 1 authorized client key/);
    endpoint = `tcp://127.0.0.1:${port}`;

    const anyClient = await labConfig({
      worker: [
        `  curve:`,
        `    public_key: ${JSON.stringify(server.publicKey)}`,
        `    secret_key: ${JSON.stringify(server.secretKey)}`,
      ].join('\n'),
    });
    const second = LabrelayProcess.spawn([
      'worker',
      '--config',
      anyClient.configPath,
      '--bind',
      `tcp://0.0.0.0:${openPort}`,
    ]);
    await second.waitFor(/worker ready .*curve=on, any client that knows the server key/);
    open = `tcp://127.0.0.1:${openPort}`;
  }, 30_000);

  it('answers a client that knows its key and is authorized', async () => {
    expect(await healthWith(endpoint, { serverPublicKey: server.publicKey, ...allowed })).toBe(
      'ok',
    );
  });

  it('gives no answer to a client without CURVE, with a wrong server key, or not authorized', async () => {
    expect(await healthWith(endpoint)).toBe('TIMEOUT');
    const wrongServer = curveKeyPair().publicKey;
    expect(await healthWith(endpoint, { serverPublicKey: wrongServer, ...allowed })).toBe(
      'TIMEOUT',
    );
    expect(await healthWith(endpoint, { serverPublicKey: server.publicKey, ...stranger })).toBe(
      'TIMEOUT',
    );
  });

  it('without authorized_clients, admits any client that knows the server key', async () => {
    expect(await healthWith(open, { serverPublicKey: server.publicKey, ...stranger })).toBe('ok');
    expect(await healthWith(open)).toBe('TIMEOUT');
  });

  it('a frontend with the right keys serves its tools; with a wrong key it gets no answer', async () => {
    const [goodPort, badPort] = await freePorts(2);
    const frontendYaml = (port: number, key: { publicKey: string; secretKey: string }) =>
      [
        'frontend:',
        `  port: ${port}`,
        '  workers:',
        `    - name: secured`,
        `      endpoint: ${endpoint}`,
        `      server_public_key: ${JSON.stringify(server.publicKey)}`,
        '  curve:',
        `    public_key: ${JSON.stringify(key.publicKey)}`,
        `    secret_key: ${JSON.stringify(key.secretKey)}`,
        '',
      ].join('\n');
    const good = join(dataDir, 'good-frontend.yaml');
    const bad = join(dataDir, 'bad-frontend.yaml');
    writeFileSync(good, frontendYaml(goodPort, allowed));
    writeFileSync(bad, frontendYaml(badPort, stranger));

    const refused = LabrelayProcess.spawn(['frontend', '--config', bad]);
    const served = LabrelayProcess.spawn(['frontend', '--config', good]);
    const [, url] = await served.waitFor(/MCP over Streamable HTTP at (\S+)/);
    const client = await connectHttp(url);
    const result = await client.callTool({ name: 'health', arguments: {} });
    expect(result.structuredContent).toEqual({ status: 'ok' });
    await client.close();

    await refused.waitFor(/waiting for the worker at tcp:\/\/127\.0\.0\.1:\d+/);
    await new Promise((r) => setTimeout(r, 1500));
    expect(refused.stderr).not.toMatch(/MCP over Streamable HTTP/);
  }, 30_000);

  it('a pyzmq bench script connects with the same keys', () => {
    const script = `
import json, sys, zmq
ctx = zmq.Context()
s = ctx.socket(zmq.REQ)
s.curve_serverkey = sys.argv[2].encode()
s.curve_publickey = sys.argv[3].encode()
s.curve_secretkey = sys.argv[4].encode()
s.connect(sys.argv[1])
s.send_string(json.dumps({"id": "py-1", "method": "health", "params": {}}))
print(s.recv_string())
`;
    const run = spawnSync(
      pythonWithZmq(),
      ['-c', script, endpoint, server.publicKey, allowed.publicKey, allowed.secretKey],
      { encoding: 'utf8', timeout: 10_000 },
    );
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ id: 'py-1', status: 'ok', result: { status: 'ok' } });
  });
});

it('refuses a non-loopback bind without keys, saying why and how', () => {
  const run = spawnSync(process.execPath, [ENTRY, 'worker', '--bind', 'tcp://0.0.0.0:5999'], {
    encoding: 'utf8',
  });
  expect(run.status).toBe(1);
  expect(run.stderr).toMatch(/refusing to bind tcp:\/\/0\.0\.0\.0:5999 without CURVE keys/);
  expect(run.stderr).toMatch(/`labrelay keys`/);
});

it('labrelay keys prints a key pair that a config accepts', () => {
  const run = spawnSync(process.execPath, [ENTRY, 'keys'], { encoding: 'utf8' });
  expect(run.status).toBe(0);
  const pair = parse(run.stdout) as { public_key: string; secret_key: string };
  expect(pair.public_key).toHaveLength(40);
  expect(pair.secret_key).toHaveLength(40);
  expect(pair.public_key).not.toBe(pair.secret_key);
  const json = JSON.parse(
    spawnSync(process.execPath, [ENTRY, 'keys', '--json'], { encoding: 'utf8' }).stdout,
  );
  expect(Object.keys(json)).toEqual(['public_key', 'secret_key']);
});

it('check-config refuses a key that is not Z85', async () => {
  const { dataDir } = await labConfig();
  const file = join(dataDir, 'bad-key.yaml');
  writeFileSync(file, 'worker:\n  curve:\n    public_key: short\n    secret_key: short\n');
  const run = spawnSync(process.execPath, [ENTRY, 'check-config', file], { encoding: 'utf8' });
  expect(run.status).toBe(1);
  expect(run.stderr).toMatch(/public_key.*a CURVE key must be 40 characters of Z85 text; got 5/);
});
