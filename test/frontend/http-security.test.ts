import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerClient } from '../../frontend/worker-client/index.js';
import { startWorkerProcess } from '../helpers/lab.js';
import { LabrelayProcess, stopAllProcesses } from '../helpers/labrelay-process.js';
import { connectHttp } from '../helpers/mcp-client.js';
import { freePorts } from '../helpers/ports.js';
import { RAW_INITIALIZE } from '../helpers/raw-mcp.js';

let worker: Awaited<ReturnType<typeof startWorkerProcess>>;
beforeAll(async () => {
  worker = await startWorkerProcess();
});
afterAll(stopAllProcesses);

/** A raw initialize POST; node:http rather than fetch, which will not send a foreign Host header. */
function post(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; header: (name: string) => string | undefined }> {
  const body = JSON.stringify(RAW_INITIALIZE);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...headers,
        },
      },
      (res) => {
        res.resume();
        resolve({
          status: res.statusCode ?? 0,
          header: (name) => res.headers[name] as string | undefined,
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function frontend(args: string[], env: NodeJS.ProcessEnv = {}) {
  const [port] = await freePorts(1);
  const process = LabrelayProcess.spawn(
    ['frontend', '--config', worker.configPath, '--port', String(port), ...args],
    { env: { LABRELAY_TOKEN: '', ...env } },
  );
  return { process, port };
}

it('refuses to serve on a non-loopback address without a token, and says why', async () => {
  const { process } = await frontend(['--host', '0.0.0.0']);
  const exit = await process.exited;
  expect(exit.code).toBe(1);
  expect(process.stderr).toMatch(
    /refusing to serve MCP on 0\.0\.0\.0: .*Set a bearer token \(--token or LABRELAY_TOKEN\)/,
  );
});

describe('with a token on a non-loopback address', () => {
  let url: string;
  beforeAll(async () => {
    const { process, port } = await frontend(['--host', '0.0.0.0'], {
      LABRELAY_TOKEN: 's3cret-token',
    });
    await process.waitFor(/MCP over Streamable HTTP/);
    url = `http://127.0.0.1:${port}/mcp`;
  });

  it('answers 401 to a request without the token, and the request reaches nothing', async () => {
    const client = new WorkerClient({ endpoint: worker.workerEndpoint, events: false });
    const before = (await client.call('worker_status', {})).requests;
    const response = await post(url);
    expect(response.status).toBe(401);
    expect(response.header('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    expect((await post(url, { authorization: 'Bearer wrong' })).status).toBe(401);
    const after = (await client.call('worker_status', {})).requests;
    // Only the status call itself reached the worker.
    expect(after - before).toBe(1);
    client.close();
  });

  it('serves a client that presents the token', async () => {
    const client = await connectHttp(url, { authorization: 'Bearer s3cret-token' });
    expect((await client.callTool({ name: 'health', arguments: {} })).structuredContent).toEqual({
      status: 'ok',
    });
    await client.close();
  });
});

describe('on loopback', () => {
  let url: string;
  beforeAll(async () => {
    const { process, port } = await frontend([]);
    await process.waitFor(/MCP over Streamable HTTP/);
    url = `http://127.0.0.1:${port}/mcp`;
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    expect((await post(url, { host: 'evil.example' })).status).toBe(403);
  });

  it('refuses a browser request from another origin', async () => {
    expect((await post(url, { origin: 'http://evil.example' })).status).toBe(403);
    const ok = await post(url, { origin: new URL(url).origin });
    expect(ok.status).toBe(200);
  });

  it('answers 404 for an unknown session and for other paths', async () => {
    const unknown = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': 'nope',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    expect(unknown.status).toBe(404);
    expect((await fetch(url.replace('/mcp', '/other'))).status).toBe(404);
  });
});
