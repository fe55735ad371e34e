import { curveKeyPair } from 'zeromq';
import { WorkerClient } from '../../frontend/worker-client/index.js';
import { labConfig } from '../helpers/lab.js';
import { LabrelayProcess } from '../helpers/labrelay-process.js';
import { freePorts } from '../helpers/ports.js';
import { ms, summarize, timeCalls, type Latency } from './stats.js';

/** Figures of the secured-endpoint benchmark. */
export interface CurveFigures {
  plain: Latency;
  curve: Latency;
  /** 1 MiB sent and echoed back: where encryption costs most. */
  plain_1mib: Latency;
  curve_1mib: Latency;
}

/**
 * What CURVE costs a bench script: `health` and a 1 MiB `diag_echo` from the same worker code,
 * one worker plain on loopback, one bound beyond it with CURVE, asked in alternating blocks.
 */
export async function benchCurve(options: { calls: number }): Promise<CurveFigures> {
  const server = curveKeyPair();
  const client = curveKeyPair();
  const plain = await labConfig({ diagnostics: true });
  const [securedPort] = await freePorts(1);
  const secured = await labConfig({
    diagnostics: true,
    worker: [
      '  curve:',
      `    public_key: ${JSON.stringify(server.publicKey)}`,
      `    secret_key: ${JSON.stringify(server.secretKey)}`,
    ].join('\n'),
  });
  const quiet = { env: { LABRELAY_LOG_LEVEL: 'warn' } };
  const processes = [
    LabrelayProcess.spawn(['worker', '--config', plain.configPath], quiet),
    LabrelayProcess.spawn(
      ['worker', '--config', secured.configPath, '--bind', `tcp://0.0.0.0:${securedPort}`],
      quiet,
    ),
  ];
  const clients = [
    new WorkerClient({ endpoint: plain.workerEndpoint, events: false }),
    new WorkerClient({
      endpoint: `tcp://127.0.0.1:${securedPort}`,
      events: false,
      curve: { serverPublicKey: server.publicKey, ...client },
    }),
  ];
  try {
    for (const c of clients) await c.waitForWorker();
    const health = (c: WorkerClient) => () => c.request('health');
    const mebibyte = 'x'.repeat(1 << 20);
    const payload = (c: WorkerClient) => () => c.request('diag_echo', { value: mebibyte });
    const scenarios = {
      plain: health(clients[0]),
      curve: health(clients[1]),
      plain_1mib: payload(clients[0]),
      curve_1mib: payload(clients[1]),
    };
    const samples = Object.fromEntries(Object.keys(scenarios).map((k) => [k, [] as number[]]));
    for (const fn of Object.values(scenarios)) await timeCalls(20, fn);
    const block = 50;
    for (let done = 0; done < options.calls; done += block) {
      for (const [name, fn] of Object.entries(scenarios)) {
        const big = name.endsWith('1mib');
        samples[name].push(...(await timeCalls(big ? block / 10 : block, fn)));
      }
    }
    return Object.fromEntries(
      Object.entries(samples).map(([k, v]) => [k, summarize(v)]),
    ) as unknown as CurveFigures;
  } finally {
    for (const c of clients) c.close();
    await Promise.all(processes.map((p) => p.stop(3000)));
  }
}

/** The CURVE figures as a markdown table. */
export function curveTable(f: CurveFigures): string[] {
  const row = (name: string, l: Latency, note: string) =>
    `| ${name} | ${ms(l.p50)} | ${ms(l.p99)} | ${note} |`;
  return [
    '| direct call, WorkerClient | p50 ms | p99 ms | against the limit |',
    '|---|---|---|---|',
    row('`health`, plain loopback', f.plain, 'the limit'),
    row('`health`, CURVE', f.curve, `${(f.curve.p50 / f.plain.p50).toFixed(2)}× plain`),
    row('1 MiB echoed, plain loopback', f.plain_1mib, 'the limit'),
    row(
      '1 MiB echoed, CURVE',
      f.curve_1mib,
      `${(f.curve_1mib.p50 / f.plain_1mib.p50).toFixed(2)}× plain`,
    ),
  ];
}
