import { WorkerClient } from '../../frontend/worker-client/index.js';
import { loadConfig } from '../config/load.js';
import { frontendWorkers } from '../options.js';

/** `labrelay call METHOD [JSON]`: sends one request and prints the worker's reply envelope. */
export async function runCall(flags: {
  method: string;
  params?: string;
  worker?: string;
  config?: string;
  timeout?: number;
}): Promise<number> {
  let params: unknown = {};
  if (flags.params !== undefined) {
    try {
      params = JSON.parse(flags.params);
    } catch (err) {
      process.stderr.write(`labrelay call: params are not valid JSON: ${(err as Error).message}\n`);
      return 2;
    }
  }
  const loaded = loadConfig(flags.config);
  const workers = frontendWorkers(loaded, {});
  // --worker takes an endpoint or the name of a configured worker (whose CURVE keys it uses).
  const chosen = flags.worker
    ? workers.find((w) => w.name === flags.worker || w.endpoint === flags.worker)
    : workers[0];
  const endpoint = chosen?.endpoint ?? flags.worker!;
  const client = new WorkerClient({ endpoint, events: false, curve: chosen?.curve });
  try {
    // Params go as given, even when they are not an object: the worker's answer is the point.
    const reply = await client.request(flags.method, params as Record<string, unknown>, {
      timeoutMs: flags.timeout,
    });
    process.stdout.write(JSON.stringify(reply, null, process.stdout.isTTY ? 2 : undefined) + '\n');
    return reply.status === 'ok' ? 0 : 1;
  } finally {
    client.close();
  }
}
