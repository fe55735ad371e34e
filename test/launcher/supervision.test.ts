import { type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, expect, it } from 'vitest';
import { WorkerClient } from '../../frontend/worker-client/index.js';
import { startLab } from '../helpers/lab.js';
import { stopAllProcesses } from '../helpers/labrelay-process.js';
import { connectHttp, isRunning } from '../helpers/mcp-client.js';

afterEach(stopAllProcesses);

async function workerPid(endpoint: string): Promise<number> {
  const client = new WorkerClient({ endpoint, events: false });
  try {
    return (await client.describe()).worker.pid;
  } finally {
    client.close();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

it('a worker killed mid-call: the call fails fast, the worker restarts, the next call succeeds', async () => {
  const lab = await startLab();
  const client = await connectHttp(lab.url);
  const pid = await workerPid(lab.workerEndpoint);

  // diag_sleep 4 s: its deadline is far away, so a fast answer can only come from supervision.
  const started = performance.now();
  const pending = client.callTool({
    name: 'diag_sleep',
    arguments: { duration_ms: 4000, lane: 'kill' },
  }) as Promise<CallToolResult>;
  // Killed once the call is running in the worker, not on a guess of when that is.
  await expect.poll(() => isRunning(client, 'diag_sleep'), { timeout: 5000 }).toBe(true);
  process.kill(pid, 'SIGKILL');
  const result = await pending;
  const elapsed = performance.now() - started;
  expect(result.isError).toBe(true);
  expect((result.content[0] as { text: string }).text).toMatch(
    /worker "labrelay" \(tcp:\/\/127\.0\.0\.1:\d+\) stopped while this call was running \(worker killed by SIGKILL.*outcome is unknown \[UNAVAILABLE\]/,
  );
  expect(elapsed).toBeLessThan(4000);

  // Meanwhile calls fail fast with a clear message rather than hang...
  await lab.process.waitFor(/worker killed by SIGKILL; restarting/);
  // ...and once the launcher has restarted the worker, calls succeed again.
  await lab.process.waitFor(/worker restarted and healthy/);
  await expect
    .poll(
      async () =>
        ((await client.callTool({ name: 'health', arguments: {} })) as CallToolResult)
          .structuredContent,
      {
        timeout: 5000,
      },
    )
    .toEqual({ status: 'ok' });
  const newPid = await workerPid(lab.workerEndpoint);
  expect(newPid).not.toBe(pid);
  await client.close();
});

it('calls while the worker is down fail fast, naming the worker, never hang', async () => {
  // A long restart delay keeps the worker down long enough to observe.
  const lab = await startLab([], { restartDelayMs: 3000 });
  const client = await connectHttp(lab.url);
  const pid = await workerPid(lab.workerEndpoint);
  await lab.process.waitFor(/MCP over Streamable HTTP/);
  process.kill(pid, 'SIGKILL');
  await lab.process.waitFor(/worker "labrelay" is down; its tools fail fast/);
  const started = performance.now();
  const result = (await client.callTool({ name: 'health', arguments: {} })) as CallToolResult;
  expect(performance.now() - started).toBeLessThan(1000);
  expect(result.isError).toBe(true);
  expect((result.content[0] as { text: string }).text).toMatch(
    /health failed: worker "labrelay" \(tcp:\S+\) is unavailable: worker killed by SIGKILL.*Nothing was sent; its tools come back when it does.*\[UNAVAILABLE\]/,
  );
  await client.close();
});

it('when the frontend dies, the launcher stops the worker and exits with the frontend code', async () => {
  const lab = await startLab();
  const workerProcess = await workerPid(lab.workerEndpoint);
  const [, frontendPid] = await lab.process.waitFor(/launcher info frontend started pid=(\d+)/);
  process.kill(Number(frontendPid), 'SIGKILL');
  const exit = await lab.process.exited;
  expect(exit.code).toBe(137);
  expect(alive(workerProcess)).toBe(false);
});

it('SIGTERM to the launcher stops both processes cleanly', async () => {
  const lab = await startLab();
  const workerProcess = await workerPid(lab.workerEndpoint);
  const exit = await lab.process.stop();
  expect(exit).toEqual({ code: 0, signal: null });
  expect(alive(workerProcess)).toBe(false);
  expect(lab.process.stderr).toMatch(/worker stopped/);
});

it('a launcher killed outright leaves no orphan: worker and frontend stop by themselves', async () => {
  const lab = await startLab();
  const workerProcess = await workerPid(lab.workerEndpoint);
  const [, frontendPid] = await lab.process.waitFor(/launcher info frontend started pid=(\d+)/);
  lab.process.child.kill('SIGKILL');
  await expect
    .poll(() => alive(workerProcess) || alive(Number(frontendPid)), { timeout: 10_000 })
    .toBe(false);
});
