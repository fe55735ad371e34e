import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labConfig } from '../helpers/lab.js';
import { LabrelayProcess, stopAllProcesses } from '../helpers/labrelay-process.js';
import { connectHttp } from '../helpers/mcp-client.js';
import { freePorts } from '../helpers/ports.js';
import { startTangoBridge, startTangoTest, stopAllTangoTests } from '../helpers/tango.js';
import { toolCalls } from '../helpers/tool-calls.js';

afterAll(async () => {
  await stopAllProcesses();
  await stopAllTangoTests();
});

/** A `labrelay worker` with its own ports and config; `extra` is YAML for the file. */
async function workerWith(extra: string, diagnostics = false) {
  const config = await labConfig({ diagnostics, extra });
  const process = LabrelayProcess.spawn(['worker', '--config', config.configPath]);
  await process.waitFor(/worker ready/);
  const restart = async () => {
    const again = LabrelayProcess.spawn(['worker', '--config', config.configPath]);
    await again.waitFor(/worker ready/);
    return again;
  };
  return { ...config, process, restart };
}

/** A frontend config listing `workers` (YAML list items), on a fresh port. */
async function frontendConfig(dir: string, workers: string): Promise<string> {
  const [port] = await freePorts(1);
  const path = join(dir, 'frontend.yaml');
  writeFileSync(
    path,
    `frontend:\n  port: ${port}\n  toolsets: [all]\n  worker_wait_ms: 2000\n  workers:\n${workers}`,
  );
  return path;
}

describe('one frontend over two TypeScript workers and the Tango bridge', () => {
  let microscope: Awaited<ReturnType<typeof workerWith>>;
  let bench: Awaited<ReturnType<typeof workerWith>>;
  let tango: Awaited<ReturnType<typeof startTangoBridge>>;
  let frontend: LabrelayProcess;
  let client: Client;
  const { ok, errorText } = toolCalls(() => client);
  let changes = 0;

  beforeAll(async () => {
    const device = await startTangoTest();
    [microscope, bench, tango] = await Promise.all([
      workerWith('imaging:\n  microscope: simulated\n  scan_threads: 0\n'),
      workerWith('', true),
      startTangoBridge({ devices: [device.url] }),
    ]);
    const config = await frontendConfig(
      microscope.dataDir,
      `    - {name: microscope, endpoint: ${microscope.workerEndpoint}}\n` +
        `    - {name: bench, endpoint: ${bench.workerEndpoint}}\n` +
        `    - {name: tango, endpoint: ${tango.endpoint}}\n`,
    );
    frontend = LabrelayProcess.spawn(['frontend', '--config', config]);
    const [, url] = await frontend.waitFor(/MCP over Streamable HTTP at (\S+)/);
    client = await connectHttp(url);
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changes++);
  }, 60_000);

  it('lists the tools of all three under their own names, and the shared ones once', async () => {
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['acquire_image', 'Microscope_get_image']));
    expect(names).toEqual(expect.arrayContaining(['diag_echo', 'diag_sleep']));
    expect(names).toEqual(expect.arrayContaining(['TangoTest_DevDouble', 'TangoTest_State']));
    expect(await ok('TangoTest_DevDouble', { arg: 1.5 })).toEqual({ result: 1.5 });
    for (const shared of ['health', 'worker_status', 'list_devices']) {
      expect(names.filter((n) => n === shared)).toHaveLength(1);
    }
    expect(await ok('diag_echo', { value: 'x' })).toEqual({ result: 'x' });
    expect(await ok('health')).toMatchObject({
      status: 'ok',
      workers: [
        { name: 'microscope', state: 'up' },
        { name: 'bench', state: 'up' },
        { name: 'tango', state: 'up' },
      ],
    });
    const devices = await ok('list_devices');
    expect(devices.devices).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'microscope', worker: 'microscope' }),
        expect.objectContaining({ name: 'sys/tg_test/1', class: 'TangoTest', worker: 'tango' }),
      ]),
    );
    expect(devices.unavailable).toEqual([]);
    const status = await ok('worker_status', { worker: 'bench' });
    expect(status.workers).toHaveLength(1);
    expect(status.workers[0]).toMatchObject({
      name: 'bench',
      state: 'up',
      status: { requests: expect.any(Number) },
    });
  });

  it('a worker that dies: its tools leave the list and fail fast naming it; the other works; it comes back', async () => {
    changes = 0;
    bench.process.child.kill('SIGKILL');
    await frontend.waitFor(/worker "bench" is down/, 10_000);
    await expect.poll(() => changes, { timeout: 5000 }).toBeGreaterThan(0);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).not.toContain('diag_echo');
    expect(names).toContain('acquire_image');

    // A client holding the old list (EAA calls tools by name) learns why, at once.
    const started = performance.now();
    expect(await errorText('diag_echo', { value: 1 })).toMatch(
      /^diag_echo failed: worker "bench" \(tcp:\/\/127\.0\.0\.1:\d+\) is unavailable: no heartbeat for \d\.\d s\. Nothing was sent.*\[UNAVAILABLE\]$/,
    );
    expect(performance.now() - started).toBeLessThan(500);
    expect(await errorText('health')).toMatch(/worker "bench" .* is unavailable/);
    expect((await ok('list_devices')).unavailable).toMatchObject([
      { name: 'bench', state: 'down' },
    ]);
    expect(await ok('Stage_get_position')).toMatchObject({ x: expect.any(Number) });
    expect(await ok('TangoTest_DevDouble', { arg: 2.5 })).toEqual({ result: 2.5 });

    changes = 0;
    bench.process = await bench.restart();
    await frontend.waitFor(/worker "bench" is back/, 10_000);
    await expect.poll(() => changes, { timeout: 5000 }).toBeGreaterThan(0);
    await expect
      .poll(async () => (await client.listTools()).tools.map((t) => t.name), { timeout: 5000 })
      .toContain('diag_echo');
    expect(await ok('diag_echo', { value: 2 })).toEqual({ result: 2 });
    expect(await ok('health')).toMatchObject({ status: 'ok' });
  }, 30_000);

  it('the Tango bridge, killed and restarted, is withdrawn and restored the same way', async () => {
    tango.process.child.kill('SIGKILL');
    await frontend.waitFor(/worker "tango" is down/, 10_000);
    expect(await errorText('TangoTest_DevDouble', { arg: 1 })).toMatch(
      /worker "tango" .* is unavailable: no heartbeat .*\[UNAVAILABLE\]$/,
    );
    expect(await ok('diag_echo', { value: 3 })).toEqual({ result: 3 });
    tango = await startTangoBridge(tango.config);
    await frontend.waitFor(/worker "tango" is back/, 10_000);
    await expect
      .poll(async () => (await client.listTools()).tools.map((t) => t.name), { timeout: 5000 })
      .toContain('TangoTest_DevDouble');
    expect(await ok('TangoTest_DevDouble', { arg: 4.5 })).toEqual({ result: 4.5 });
  }, 30_000);
});

describe('tool names two workers share', () => {
  it('stop start-up with a message naming both workers, unless one has a prefix', async () => {
    const [a, b] = await Promise.all([workerWith('', true), workerWith('', true)]);
    const clash = await frontendConfig(
      a.dataDir,
      `    - {name: left, endpoint: ${a.workerEndpoint}}\n` +
        `    - {name: right, endpoint: ${b.workerEndpoint}}\n`,
    );
    const refused = LabrelayProcess.spawn(['frontend', '--config', clash]);
    expect((await refused.exited).code).toBe(1);
    expect(refused.stderr).toMatch(/tool name\(s\) are served by two workers/);
    expect(refused.stderr).toMatch(
      /diag_echo: worker "left" \(tcp:\/\/127\.0\.0\.1:\d+\) and worker "right" \(tcp:\/\/127\.0\.0\.1:\d+\)/,
    );
    expect(refused.stderr).toMatch(/Give one of them a prefix in frontend\.workers/);

    const prefixed = await frontendConfig(
      b.dataDir,
      `    - {name: left, endpoint: ${a.workerEndpoint}}\n` +
        `    - {name: right, endpoint: ${b.workerEndpoint}, prefix: right}\n`,
    );
    const served = LabrelayProcess.spawn(['frontend', '--config', prefixed]);
    const [, url] = await served.waitFor(/MCP over Streamable HTTP at (\S+)/);
    const client = await connectHttp(url);
    const { ok } = toolCalls(() => client);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['diag_echo', 'right_diag_echo']));
    expect(names).not.toContain('right_health');
    expect(await ok('right_diag_echo', { value: 'r' })).toEqual({ result: 'r' });
    await client.close();
  }, 60_000);
});
