import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeNpy } from '../../worker/artifacts/npy.js';
import { ENTRY, LabrelayProcess, ROOT, stopAllProcesses } from '../helpers/labrelay-process.js';
import { argumentsPythonCannotBind, connectHttp } from '../helpers/mcp-client.js';
import { toolCalls } from '../helpers/tool-calls.js';
import { freePorts } from '../helpers/ports.js';

/*
 * The README's plugin example as a user runs it: examples/my-detector.yaml names
 * examples/my-detector.js; `labrelay start --config … --verbose` serves its commands as MCP
 * tools with no frontend code. Only the ports and the data directory are changed here.
 */
let lab: LabrelayProcess;
let client: Client;
let dataDir: string;

const { ok, errorText } = toolCalls(() => client);

/** The example config, moved to fresh ports, its plugin path kept relative to the example. */
async function exampleConfig(): Promise<string> {
  const [worker, events, http] = await freePorts(3);
  dataDir = mkdtempSync(join(tmpdir(), 'labrelay-plugin-'));
  const config = parse(readFileSync(join(ROOT, 'examples', 'my-detector.yaml'), 'utf8'));
  config.worker = {
    ...config.worker,
    bind: `tcp://127.0.0.1:${worker}`,
    events_endpoint: `tcp://127.0.0.1:${events}`,
    data_dir: dataDir,
  };
  config.frontend = { ...config.frontend, port: http };
  config.imaging.scan_threads = 0;
  config.devices.plugins[0].path = join(ROOT, 'examples', config.devices.plugins[0].path);
  const path = join(dataDir, 'plugin-lab.yaml');
  writeFileSync(path, stringify(config));
  return path;
}

beforeAll(async () => {
  lab = LabrelayProcess.spawn(['start', '--config', await exampleConfig(), '--verbose']);
  const [, url] = await lab.waitFor(/MCP over Streamable HTTP at (\S+)/);
  client = await connectHttp(url);
  // The plugin's devices arrive after the worker answers; wait for its tools.
  for (let i = 0; i < 100; i++) {
    const { tools } = await client.listTools();
    if (tools.some((t) => t.name === 'MyDetector_count')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
}, 30_000);

afterAll(async () => {
  await client?.close();
  await stopAllProcesses();
});

describe('the plugin example (examples/my-detector.js)', () => {
  it("serves the plugin's commands and attributes as typed tools", async () => {
    const { tools } = await client.listTools();
    expect(argumentsPythonCannotBind(tools)).toEqual([]);
    const byName = new Map(tools.map((t) => [t.name, t]));
    for (const name of [
      'MyDetector_arm',
      'MyDetector_count',
      'MyDetector_acquire_trace',
      'MyDetector_get_dark_count_rate',
      'MyDetector_set_dark_count_rate',
      'MyDetector_get_dead_time_ns',
    ]) {
      expect(byName.has(name), name).toBe(true);
    }
    // dead_time_ns is read-only: no setter.
    expect(byName.has('MyDetector_set_dead_time_ns')).toBe(false);
    const count = byName.get('MyDetector_count')!;
    expect(count.description).toContain('Device class: MyDetector\nCommand: count');
    expect(count.inputSchema.properties!.gate_ms).toMatchObject({
      type: 'number',
      minimum: 0.001,
      maximum: 10_000,
      default: 100,
    });
    expect(count.annotations).toMatchObject({ readOnlyHint: true });
    expect(byName.get('MyDetector_arm')!.annotations).toMatchObject({ readOnlyHint: false });
  });

  it('runs the commands: a state error, counts at the configured rate, attributes read back', async () => {
    expect(await errorText('MyDetector_count', { gate_ms: 10 })).toMatch(/not armed/);
    expect(await ok('MyDetector_arm', { armed: true })).toEqual({ armed: true });
    // 25 000 + 100 dark counts/s less the 22 ns dead time's losses: ~1254 in 50 ms (σ ≈ 35).
    const { counts, rate } = await ok('MyDetector_count', { gate_ms: 50 });
    expect(counts).toBeGreaterThan(1254 - 6 * 35);
    expect(counts).toBeLessThan(1254 + 6 * 35);
    expect(rate).toBeCloseTo(counts / 0.05, 6);

    expect(await ok('MyDetector_set_dark_count_rate', { value: 5000 })).toEqual({
      value: 5000,
      units: 'counts/s',
    });
    expect(await ok('MyDetector_get_dark_count_rate')).toEqual({ value: 5000, units: 'counts/s' });
    const refused = await errorText('MyDetector_set_dark_count_rate', { value: -5 });
    expect(refused).toMatch(/value/);
    expect(refused).toMatch(/-5|>=\s*0|0/);
    expect(await ok('MyDetector_get_dark_count_rate')).toMatchObject({ value: 5000 });
  });

  it('returns a small trace inline as base64 and a large one as an .npy artifact', async () => {
    const small = await ok('MyDetector_acquire_trace', { points: 200, gate_ms: 0.01 });
    expect(small).toMatchObject({
      encoding: 'base64',
      metadata: { dtype: 'int32', shape: [200], units: 'counts', gate_ms: 0.01 },
    });
    const counts = new Int32Array(Uint8Array.from(Buffer.from(small.payload, 'base64')).buffer);
    expect(counts.length).toBe(200);
    const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
    // ~30 000 counts/s × 10 µs = 0.3 per gate.
    expect(mean).toBeGreaterThan(0.1);
    expect(mean).toBeLessThan(0.6);

    const large = await ok('MyDetector_acquire_trace', { points: 20_000, gate_ms: 0.01 });
    expect(large).toMatchObject({ encoding: 'artifact', metadata: { shape: [20_000] } });
    expect(large.path.startsWith(join(dataDir, 'artifacts', 'devices', 'detector'))).toBe(true);
    const npy = decodeNpy(readFileSync(large.path));
    expect(npy).toMatchObject({ dtype: '<i4', shape: [20_000] });
    expect(large.bytes).toBe(readFileSync(large.path).byteLength);
  });

  it('lists the plugin device with its origin, and prints devices and tools with --verbose', async () => {
    const { devices } = await ok('list_devices', { device_class: 'MyDetector' });
    expect(devices).toEqual([
      {
        name: 'detector',
        class: 'MyDetector',
        origin: 'plugin:my-detector',
        resource: 'device:detector',
        info: { model: 'simulated SPAD counter', serial: 'EXAMPLE-0001' },
      },
    ]);
    await lab.waitFor(/class MyDetector \(detector\)/);
    expect(lab.stderr).toMatch(/MyDetector_count\(gate_ms\?: number \[ms, 0\.001 … 10000\]\)/);
    expect(lab.stderr).toMatch(/tool MyDetector_arm\(armed: boolean\)/);
  });
});

describe('a plugin that cannot load', () => {
  it('stops the worker at start-up with the path and the reason', async () => {
    const [port] = await freePorts(1);
    const dir = mkdtempSync(join(tmpdir(), 'labrelay-plugin-bad-'));
    const config = join(dir, 'lab.yaml');
    writeFileSync(
      config,
      `worker:\n  bind: tcp://127.0.0.1:${port}\n  data_dir: ${dir}\ndevices:\n  plugins: [./missing.js, ./not-a-plugin.js]\n`,
    );
    const run = () =>
      spawnSync(process.execPath, [ENTRY, 'worker', '--config', config], {
        encoding: 'utf8',
        timeout: 15_000,
      });
    let result = run();
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`devices.plugins: cannot load ${join(dir, 'missing.js')}`);

    writeFileSync(join(dir, 'missing.js'), 'export default { name: "ok", devices: () => [] };\n');
    writeFileSync(join(dir, 'not-a-plugin.js'), 'export const x = 1;\n');
    result = run();
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`${join(dir, 'not-a-plugin.js')} must export default a plugin`);
    expect(existsSync(join(dir, 'audit.jsonl'))).toBe(false);
  });
});
