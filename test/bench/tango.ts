import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkerClient } from '../../frontend/worker-client/index.js';
import { LabrelayProcess } from '../helpers/labrelay-process.js';
import { connectHttp } from '../helpers/mcp-client.js';
import { freePorts } from '../helpers/ports.js';
import { pythonWithTango, startTangoBridge, startTangoTest } from '../helpers/tango.js';
import { ms, summarize, timeCalls, type Latency } from './stats.js';

/** Figures of the Tango benchmark: one DevDouble echo on Debian's TangoTest, three ways. */
export interface TangoFigures {
  /** PyTango in-process: DeviceProxy.command_inout, the limit. */
  pytango: Latency;
  /** A bench script: WorkerClient → bridge → PyTango. */
  direct: Latency;
  /** An MCP client over HTTP: frontend → bridge → PyTango. */
  mcp: Latency;
}

/** Times PyTango's own call in a Python loop: what the bridge cannot beat. */
const PYTANGO_LOOP = `
import json, sys, time, tango
d = tango.DeviceProxy(sys.argv[1])
n = int(sys.argv[2])
for _ in range(100): d.command_inout("DevDouble", 1.5)
out = []
for _ in range(n):
    t = time.perf_counter(); d.command_inout("DevDouble", 1.5); out.append((time.perf_counter() - t) * 1000)
print(json.dumps(out))
`;

export async function benchTango(options: { calls: number }): Promise<TangoFigures> {
  const device = await startTangoTest();
  const bridge = await startTangoBridge({ devices: [device.url] });
  const [httpPort] = await freePorts(1);
  const frontendConfig = join(bridge.dataDir, 'frontend.yaml');
  writeFileSync(
    frontendConfig,
    `frontend:\n  port: ${httpPort}\n  workers:\n    - {name: tango, endpoint: ${bridge.endpoint}}\n`,
  );
  const frontend = LabrelayProcess.spawn(['frontend', '--config', frontendConfig], {
    env: { LABRELAY_LOG_LEVEL: 'info' },
  });
  const client = new WorkerClient({ endpoint: bridge.endpoint, events: false });
  try {
    const [, url] = await frontend.waitFor(/MCP over Streamable HTTP at (\S+)/);
    const mcp = await connectHttp(url);
    const direct = () => client.request('TangoTest_DevDouble', { arg: 1.5 });
    const viaMcp = () => mcp.callTool({ name: 'TangoTest_DevDouble', arguments: { arg: 1.5 } });
    await timeCalls(100, direct);
    await timeCalls(100, viaMcp);
    const samples = { direct: [] as number[], mcp: [] as number[] };
    for (let done = 0; done < options.calls; done += 100) {
      samples.direct.push(...(await timeCalls(100, direct)));
      samples.mcp.push(...(await timeCalls(100, viaMcp)));
    }
    await mcp.close();
    const loop = spawnSync(
      pythonWithTango(),
      ['-c', PYTANGO_LOOP, device.url, String(options.calls)],
      { encoding: 'utf8' },
    );
    if (loop.status !== 0) throw new Error(`PyTango loop failed: ${loop.stderr}`);
    return {
      pytango: summarize(JSON.parse(loop.stdout) as number[]),
      direct: summarize(samples.direct),
      mcp: summarize(samples.mcp),
    };
  } finally {
    client.close();
    await frontend.stop(3000);
    await bridge.stop(3000);
    await device.stop();
  }
}

/** The Tango figures as a markdown table. */
export function tangoTable(f: TangoFigures, floorHttpP50: number): string[] {
  const row = (name: string, l: Latency, note: string) =>
    `| ${name} | ${ms(l.p50)} | ${ms(l.p99)} | ${note} |`;
  const overMcp = f.mcp.p50 - f.direct.p50;
  return [
    '| `DevDouble` echo on TangoTest | p50 ms | p99 ms | against the limit |',
    '|---|---|---|---|',
    row('PyTango `command_inout`, in-process', f.pytango, 'the limit (CORBA round trip)'),
    row(
      'bench script: WorkerClient → bridge',
      f.direct,
      `${(f.direct.p50 / f.pytango.p50).toFixed(2)}× PyTango; + ${ms(f.direct.p50 - f.pytango.p50)} ms`,
    ),
    row(
      'MCP over HTTP: frontend → bridge',
      f.mcp,
      `direct + ${ms(overMcp)} ms` +
        (Number.isNaN(floorHttpP50) ? '' : ` (the MCP floor alone is ${ms(floorHttpP50)} ms)`),
    ),
  ];
}
