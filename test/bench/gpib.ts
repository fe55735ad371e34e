import { mkdtempSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { LabrelayProcess } from '../helpers/labrelay-process.js';
import { connectHttp } from '../helpers/mcp-client.js';
import { freePorts } from '../helpers/ports.js';
import { rawQueries } from './raw-ar488-client.js';
import { rawWorkerClient } from './raw-worker-client.js';
import { ms, summarize, type Latency } from './stats.js';

/** The emulated instrument's configured response time, ms (part of the wire limit). */
const RESPONSE_MS = 2;
const BAUD = 115_200;
const COMMAND = 'MEAS:VOLT:DC?';

interface BridgeSpec {
  name: string;
  link: 'tcp' | 'pty';
  throttled: boolean;
}

const BRIDGES: BridgeSpec[] = [
  { name: 'tcp-fast', link: 'tcp', throttled: false },
  { name: 'tcp-wire', link: 'tcp', throttled: true },
  { name: 'tcp-wire-2', link: 'tcp', throttled: true },
  { name: 'pty-fast', link: 'pty', throttled: false },
  { name: 'pty-wire', link: 'pty', throttled: true },
];

/** Figures for one bridge. */
export interface BridgeFigures {
  name: string;
  link: 'tcp' | 'pty';
  throttled: boolean;
  /** A bare client on the same emulator: the achievable limit. */
  raw: Latency & { per_s: number };
  direct: Latency & { per_s: number };
  mcp: Latency & { per_s: number };
  bytes_per_query: {
    sent: number;
    received: number;
    minimum_sent: number;
    minimum_received: number;
  };
  /** For throttled bridges: the rate the wire allows (bytes at 115200 baud + response time). */
  wire_limited_per_s: number | null;
}

/** Figures of the GPIB benchmark. */
export interface GpibFigures {
  bridges: BridgeFigures[];
  /**
   * The MCP floor for an operation that takes a while: the same SDK and HTTP serving with a
   * tool that waits `wait_ms`, minus the wait measured alone (Node's timer) — what MCP costs
   * when the server has gone idle in between, as a frontend does while an instrument answers.
   */
  async_floor: { wait_ms: number; tool_p50: number; timer_p50: number; floor_ms: number };
  parallel: { one_bridge_per_s: number; two_bridges_per_s: number; ratio: number };
  /**
   * A driver command (`HP34401A_measure_voltage_dc`: schema validation, device lookup, the
   * driver's parsing) against instrument_query of the same MEAS:VOLT:DC? on the same bridge,
   * both through a direct worker call: what the device layer costs over the raw query.
   */
  driver: { query: Latency & { per_s: number }; tool: Latency & { per_s: number } };
}

/**
 * instrument_query through a direct worker call and through MCP, on emulated AR488 bridges over
 * TCP and over a socat pty, with the emulator's 115200-baud wire and without it, and two
 * throttled bridges at once. inter_command_delay_ms is 0 so the wire is the only pacing.
 */
export async function benchGpib(options: { queries: number }): Promise<GpibFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'labrelay-bench-gpib-'));
  const ports = await freePorts(BRIDGES.length + 3);
  const processes: LabrelayProcess[] = [];
  const closers: Array<() => unknown> = [];
  try {
    const bridgeConfig: string[] = [];
    for (const [i, bridge] of BRIDGES.entries()) {
      const where =
        bridge.link === 'tcp'
          ? ['--tcp', `127.0.0.1:${ports[i]}`]
          : ['--pty', join(dir, `${bridge.name}.tty`)];
      const sim = LabrelayProcess.spawn(
        [
          'sim',
          'ar488',
          ...where,
          '--profile',
          bridge.link === 'tcp' ? 'esp32' : 'twilight-0.53.04',
          '--instruments',
          `22=hp34401a;responseTimeMs=${RESPONSE_MS}`,
          ...(bridge.throttled ? ['--baud', String(BAUD)] : []),
        ],
        { env: { LABRELAY_LOG_LEVEL: 'info' } },
      );
      processes.push(sim);
      await sim.waitFor(/ar488 sim ready/);
      bridgeConfig.push(
        `    - name: ${bridge.name}`,
        ...(bridge.link === 'tcp'
          ? ['      transport: tcp', '      host: 127.0.0.1', `      port: ${ports[i]}`]
          : ['      transport: serial', `      port: ${join(dir, `${bridge.name}.tty`)}`]),
        '      inter_command_delay_ms: 0',
        '      auto_scan: false',
      );
    }
    const [workerPort, eventsPort, httpPort] = ports.slice(BRIDGES.length);
    const endpoint = `tcp://127.0.0.1:${workerPort}`;
    const configPath = join(dir, 'labrelay.yaml');
    writeFileSync(
      configPath,
      [
        'worker:',
        `  bind: ${endpoint}`,
        `  events_endpoint: tcp://127.0.0.1:${eventsPort}`,
        `  data_dir: ${dir}`,
        'frontend:',
        `  port: ${httpPort}`,
        'gpib:',
        '  bridges:',
        ...bridgeConfig,
        '',
      ].join('\n'),
    );
    const quiet = { env: { LABRELAY_LOG_LEVEL: 'info' } };
    const worker = LabrelayProcess.spawn(['worker', '--config', configPath], quiet);
    processes.push(worker);
    await worker.waitFor(
      new RegExp(`GPIB: ${BRIDGES.length} of ${BRIDGES.length} bridges up`),
      30_000,
    );
    const frontend = LabrelayProcess.spawn(['frontend', '--config', configPath], quiet);
    processes.push(frontend);
    const [, url] = await frontend.waitFor(/MCP over Streamable HTTP at (\S+)/);

    const [floorPort] = await freePorts(1);
    const floorServer = LabrelayProcess.spawnCommand(process.execPath, [
      fileURLToPath(new URL('./floor-server.js', import.meta.url)),
      'http',
      String(floorPort),
    ]);
    processes.push(floorServer);
    const [, floorUrl] = await floorServer.waitFor(/floor ready (\S+)/);
    const floorClient = await connectHttp(floorUrl);
    closers.push(() => floorClient.close());
    const waitMs = 3;
    const samples = Math.ceil(options.queries / 2);
    const timer = await timed(samples, () => new Promise((r) => setTimeout(r, waitMs)));
    const tool = await timed(samples, () =>
      floorClient.callTool({ name: 'wait', arguments: { ms: waitMs } }),
    );
    const asyncFloor = {
      wait_ms: waitMs,
      tool_p50: tool.p50,
      timer_p50: timer.p50,
      floor_ms: tool.p50 - timer.p50,
    };

    const direct = rawWorkerClient(endpoint);
    closers.push(direct.close);
    const mcp = await connectHttp(url);
    closers.push(() => mcp.close());

    const figures: BridgeFigures[] = [];
    for (const bridge of BRIDGES) {
      const n = bridge.throttled ? Math.ceil(options.queries / 4) : options.queries;
      const query = { bridge_name: bridge.name, address: 22, command: COMMAND };
      await direct.call('instrument_query', query); // sends ++addr once
      const before = await direct.call('bridge_status', { bridge_name: bridge.name });
      const directRun = await timed(n, () => direct.call('instrument_query', query));
      const after = await direct.call('bridge_status', { bridge_name: bridge.name });
      const mcpRun = await timed(n, () => mcpQuery(mcp, query));
      // The emulator serves one host: the bridge steps aside while a bare client measures.
      await direct.call('disconnect_bridge', { bridge_name: bridge.name });
      const rawSamples = await rawQueries(
        bridge.link === 'tcp'
          ? { tcp: { host: '127.0.0.1', port: ports[BRIDGES.indexOf(bridge)] } }
          : { serial: join(dir, `${bridge.name}.tty`) },
        COMMAND,
        n,
      );
      await direct.call('connect_bridge', { bridge_name: bridge.name });
      const minimumSent = `${COMMAND}\r\n++read eoi\r\n`.length;
      const minimumReceived = '+4.23451000E+00\n'.length;
      figures.push({
        name: bridge.name,
        link: bridge.link,
        throttled: bridge.throttled,
        raw: {
          ...summarize(rawSamples),
          per_s: (n * 1000) / rawSamples.reduce((a, b) => a + b, 0),
        },
        direct: directRun,
        mcp: mcpRun,
        bytes_per_query: {
          sent: (after.bytes_sent - before.bytes_sent) / n,
          received: (after.bytes_received - before.bytes_received) / n,
          minimum_sent: minimumSent,
          minimum_received: minimumReceived,
        },
        wire_limited_per_s: bridge.throttled
          ? 1000 / (((minimumSent + minimumReceived) * 10 * 1000) / BAUD + RESPONSE_MS)
          : null,
      });
    }

    // The device layer: the scan binds tcp-fast/22 to the HP34401A driver.
    await direct.call('bus_scan', { bridge_name: 'tcp-fast' });
    for (let i = 0; i < 100; i++) {
      const listed = (await direct.call('list_devices', { device_class: 'HP34401A' })) as {
        devices: unknown[];
      };
      if (listed.devices.length > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const rawQuery = { bridge_name: 'tcp-fast', address: 22, command: COMMAND };
    const driver = {
      query: await timed(options.queries, () => direct.call('instrument_query', rawQuery)),
      tool: await timed(options.queries, () => direct.call('HP34401A_measure_voltage_dc', {})),
    };

    // Two throttled bridges at once against one alone: independent buses should add up.
    const n = Math.ceil(options.queries / 4);
    const one = await timed(n, () =>
      direct.call('instrument_query', { bridge_name: 'tcp-wire', address: 22, command: COMMAND }),
    );
    const second = rawWorkerClient(endpoint);
    closers.push(second.close);
    const started = performance.now();
    await Promise.all([
      timed(n, () =>
        direct.call('instrument_query', { bridge_name: 'tcp-wire', address: 22, command: COMMAND }),
      ),
      timed(n, () =>
        second.call('instrument_query', {
          bridge_name: 'tcp-wire-2',
          address: 22,
          command: COMMAND,
        }),
      ),
    ]);
    const both = (2 * n * 1000) / (performance.now() - started);
    return {
      bridges: figures,
      async_floor: asyncFloor,
      parallel: { one_bridge_per_s: one.per_s, two_bridges_per_s: both, ratio: both / one.per_s },
      driver,
    };
  } finally {
    for (const close of closers) await close();
    await Promise.all(processes.reverse().map((p) => p.stop(3000)));
  }
}

async function timed(n: number, fn: () => Promise<unknown>): Promise<Latency & { per_s: number }> {
  const samples: number[] = [];
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return { ...summarize(samples), per_s: (n * 1000) / (performance.now() - started) };
}

async function mcpQuery(client: Client, args: Record<string, unknown>): Promise<void> {
  const result = await client.callTool({ name: 'instrument_query', arguments: args });
  if (result.isError) throw new Error(JSON.stringify(result.content));
}

/** The GPIB figures as a markdown table. */
export function gpibTable(g: GpibFigures, mcpFloorP50: number): string[] {
  const rows = g.bridges.map((b) => {
    const bytes = b.bytes_per_query;
    const wire = b.wire_limited_per_s
      ? `${b.wire_limited_per_s.toFixed(0)} (direct at ${((b.direct.per_s / b.wire_limited_per_s) * 100).toFixed(0)}%, target ≥ 90%)`
      : '—';
    const raw = `${b.raw.per_s.toFixed(0)} (direct at ${((b.direct.per_s / b.raw.per_s) * 100).toFixed(0)}%)`;
    const overMcp = b.throttled
      ? ''
      : `; MCP − direct = ${ms(b.mcp.p50 - b.direct.p50)} ms vs floor ${ms(mcpFloorP50)} ms ` +
        `(sync tool), ${ms(g.async_floor.floor_ms)} ms (async tool)`;
    return (
      `| ${b.name} | ${b.link} | ${b.throttled ? `${BAUD} baud` : 'none'} | ${raw} | ${b.direct.per_s.toFixed(0)} (p50 ${ms(b.direct.p50)} ms) | ` +
      `${b.mcp.per_s.toFixed(0)} (p50 ${ms(b.mcp.p50)} ms${overMcp}) | ${(bytes.sent + bytes.received).toFixed(1)} / ` +
      `${bytes.minimum_sent + bytes.minimum_received} | ${wire} |`
    );
  });
  return [
    `| bridge | link | wire throttle | bare client queries/s | direct queries/s | MCP queries/s | bytes per query / minimum | wire-limited queries/s |`,
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `MCP floor for an asynchronous tool: a ${g.async_floor.wait_ms} ms wait takes ` +
      `${ms(g.async_floor.tool_p50)} ms through MCP and ${ms(g.async_floor.timer_p50)} ms alone: ` +
      `${ms(g.async_floor.floor_ms)} ms of MCP once the server has gone idle.`,
    '',
    `Two throttled bridges at once: ${g.parallel.two_bridges_per_s.toFixed(0)} queries/s against ` +
      `${g.parallel.one_bridge_per_s.toFixed(0)} for one: ${g.parallel.ratio.toFixed(2)}× (target ≥ 1.8×).`,
    '',
    `A driver command, HP34401A_measure_voltage_dc on tcp-fast: p50 ${ms(g.driver.tool.p50)} ms ` +
      `against instrument_query of the same ${COMMAND}: p50 ${ms(g.driver.query.p50)} ms ` +
      `(${(g.driver.tool.p50 / g.driver.query.p50).toFixed(2)}×: the device layer costs ` +
      `${ms(g.driver.tool.p50 - g.driver.query.p50)} ms).`,
  ];
}
