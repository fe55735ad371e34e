import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { fileURLToPath } from 'node:url';
import { v4 as uuidv4 } from 'uuid';
import { Request } from 'zeromq';
import { labConfig } from '../helpers/lab.js';
import { ENTRY, LabrelayProcess } from '../helpers/labrelay-process.js';
import { connectHttp } from '../helpers/mcp-client.js';
import { freePorts } from '../helpers/ports.js';
import { ms, summarize, timeCalls, type Latency } from './stats.js';

const HERE = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/** Figures of the core benchmark. */
export interface CoreFigures {
  zmq_limit: Latency;
  direct: Latency;
  floor_http: Latency;
  floor_stdio: Latency;
  floor_zmq_http: Latency;
  floor_zmq_stdio: Latency;
  labrelay_http: Latency;
  labrelay_stdio: Latency;
  concurrent_http: { calls: number; wall_ms: number; calls_per_s: number };
}

type Scenario = { name: keyof Omit<CoreFigures, 'concurrent_http'>; call: () => Promise<unknown> };

/** Round trips of `health` measured eight ways in one run. */
export async function benchCore(options: { calls: number; warmup: number }): Promise<CoreFigures> {
  const config = await labConfig({ diagnostics: true });
  const [echoPort, floorPort, floorZmqPort] = await freePorts(3);
  const processes: LabrelayProcess[] = [];
  const closers: Array<() => unknown> = [];
  try {
    const echo = LabrelayProcess.spawnCommand(process.execPath, [
      HERE('./zmq-echo.js'),
      `tcp://127.0.0.1:${echoPort}`,
    ]);
    const worker = LabrelayProcess.spawn(['worker', '--config', config.configPath], {
      env: { LABRELAY_LOG_LEVEL: 'warn' },
    });
    const frontend = LabrelayProcess.spawn(['frontend', '--config', config.configPath], {
      env: { LABRELAY_LOG_LEVEL: 'info' },
    });
    const floorServer = (...args: string[]) =>
      LabrelayProcess.spawnCommand(process.execPath, [HERE('./floor-server.js'), ...args]);
    const floor = floorServer('http', String(floorPort));
    const floorZmq = floorServer('http', String(floorZmqPort), config.workerEndpoint);
    processes.push(echo, worker, frontend, floor, floorZmq);
    await echo.waitFor(/zmq-echo ready/);
    const [, url] = await frontend.waitFor(/MCP over Streamable HTTP at (\S+)/);
    const [, floorUrl] = await floor.waitFor(/floor ready (\S+)/);
    const [, floorZmqUrl] = await floorZmq.waitFor(/floor ready (\S+)/);

    const rawReq = (endpoint: string) => {
      const socket = new Request({ linger: 0 });
      socket.connect(endpoint);
      closers.push(() => socket.close());
      return async () => {
        await socket.send(JSON.stringify({ id: uuidv4(), method: 'health', params: {} }));
        const [reply] = await socket.receive();
        JSON.parse(reply.toString());
      };
    };
    const mcp = (client: Client) => {
      closers.push(() => client.close());
      return () => client.callTool({ name: 'health', arguments: {} });
    };
    const stdio = async (args: string[]) => {
      const client = new Client({ name: 'bench', version: '1' });
      await client.connect(
        new StdioClientTransport({ command: process.execPath, args, stderr: 'ignore' }),
      );
      return client;
    };

    const scenarios: Scenario[] = [
      { name: 'zmq_limit', call: rawReq(`tcp://127.0.0.1:${echoPort}`) },
      { name: 'direct', call: rawReq(config.workerEndpoint) },
      { name: 'floor_http', call: mcp(await connectHttp(floorUrl)) },
      { name: 'floor_stdio', call: mcp(await stdio([HERE('./floor-server.js'), 'stdio'])) },
      { name: 'floor_zmq_http', call: mcp(await connectHttp(floorZmqUrl)) },
      {
        name: 'floor_zmq_stdio',
        call: mcp(await stdio([HERE('./floor-server.js'), 'stdio', config.workerEndpoint])),
      },
      { name: 'labrelay_http', call: mcp(await connectHttp(url)) },
      {
        name: 'labrelay_stdio',
        call: mcp(await stdio([ENTRY, 'frontend', '--stdio', '--config', config.configPath])),
      },
    ];
    for (const s of scenarios) await timeCalls(options.warmup, s.call);
    // Short blocks of each scenario in turn: warm within a block (a bench script's loop), while
    // the machine's slower drifts fall on all scenarios alike.
    const samples = new Map<string, number[]>(scenarios.map((s) => [s.name, []]));
    const block = 100;
    for (let round = 0; round * block < options.calls; round++) {
      // Each round starts at a different scenario, so that none always follows the same one.
      for (let k = 0; k < scenarios.length; k++) {
        const s = scenarios[(round + k) % scenarios.length];
        samples.get(s.name)!.push(...(await timeCalls(block, s.call)));
      }
    }

    // Many callers at once through one HTTP session: what an agent firing tools in parallel sees.
    const concurrent = await connectHttp(url);
    closers.push(() => concurrent.close());
    const calls = 1000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: calls }, () => concurrent.callTool({ name: 'health', arguments: {} })),
    );
    const wall = performance.now() - started;

    const figures = Object.fromEntries(
      scenarios.map((s) => [s.name, summarize(samples.get(s.name)!)]),
    ) as Omit<CoreFigures, 'concurrent_http'>;
    return {
      ...figures,
      concurrent_http: { calls, wall_ms: wall, calls_per_s: (calls / wall) * 1000 },
    };
  } finally {
    for (const close of closers) await close();
    await Promise.all(processes.map((p) => p.stop(3000)));
  }
}

/** How the core figures compare with their targets. */
export function coreTargets(core: CoreFigures) {
  const overFloor = (t: 'http' | 'stdio') =>
    core[`labrelay_${t}`].p50 - core[`floor_${t}`].p50 - core.direct.p50;
  const overRawHop = (t: 'http' | 'stdio') =>
    core[`labrelay_${t}`].p50 - core[`floor_zmq_${t}`].p50;
  return {
    direct_p50_ms: { target: 0.3, measured: core.direct.p50, met: core.direct.p50 <= 0.3 },
    direct_over_zmq_limit: core.direct.p50 / core.zmq_limit.p50,
    labrelay_http_over_floor_plus_direct_ms: {
      target: 0.3,
      measured: overFloor('http'),
      met: overFloor('http') <= 0.3,
    },
    labrelay_stdio_over_floor_plus_direct_ms: {
      target: 0.3,
      measured: overFloor('stdio'),
      met: overFloor('stdio') <= 0.3,
    },
    labrelay_http_over_raw_hop_frontend_ms: overRawHop('http'),
    labrelay_stdio_over_raw_hop_frontend_ms: overRawHop('stdio'),
  };
}

/** The core figures as a markdown table. */
export function coreTable(core: CoreFigures): string[] {
  const t = coreTargets(core);
  const row = (name: string, l: Latency, note: string) =>
    `| ${name} | ${ms(l.p50)} | ${ms(l.p99)} | ${note} |`;
  const vs = (transport: 'http' | 'stdio') => {
    const floor = t[`labrelay_${transport}_over_floor_plus_direct_ms`];
    const raw = t[`labrelay_${transport}_over_raw_hop_frontend_ms`];
    return (
      `floor + direct + ${ms(floor.measured)} ms (target ≤ 0.3: ${floor.met ? 'met' : 'missed'}); ` +
      `raw-hop frontend + ${ms(raw)} ms`
    );
  };
  return [
    '| round trip of `health` | p50 ms | p99 ms | against the limit |',
    '|---|---|---|---|',
    row('zmq limit: raw REQ → ROUTER echo, no parsing', core.zmq_limit, 'the wire here'),
    row(
      'direct: REQ → worker',
      core.direct,
      `${t.direct_over_zmq_limit.toFixed(2)}× the zmq limit (target p50 ≤ 0.3 ms: ${t.direct_p50_ms.met ? 'met' : 'missed'})`,
    ),
    row('floor HTTP: SDK, trivial in-process tool', core.floor_http, 'the cost of MCP itself'),
    row(
      'raw-hop frontend HTTP: floor + one bare REQ to the worker',
      core.floor_zmq_http,
      'the least this design costs',
    ),
    row('labrelay HTTP: client → frontend → worker', core.labrelay_http, vs('http')),
    row('floor stdio', core.floor_stdio, 'the cost of MCP itself'),
    row('raw-hop frontend stdio', core.floor_zmq_stdio, 'the least this design costs'),
    row('labrelay stdio', core.labrelay_stdio, vs('stdio')),
    '',
    `1000 concurrent \`health\` calls over one HTTP session: ${core.concurrent_http.wall_ms.toFixed(0)} ms ` +
      `(${core.concurrent_http.calls_per_s.toFixed(0)} calls/s).`,
  ];
}
