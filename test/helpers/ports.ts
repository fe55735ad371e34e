import { createServer, type Server } from 'node:net';

/*
 * Ports for the tests' own servers. Two hazards, both seen in CI-like runs:
 * - Linux hands out port-0 (ephemeral) ports close together, so a port chosen that way and
 *   released can be handed to another process (an emulator, a connection) a moment later;
 * - a worker started with --bind takes port + 1 for its events, which nobody reserved.
 * So ports are drawn at random below the ephemeral range (32768 up), each with its next port
 * free too, none next to another one drawn.
 */
const LOW = 20_000;
const HIGH = 32_000;

/** Ports free on 127.0.0.1 now, all different, each with port + 1 free as well. */
export async function freePorts(count: number): Promise<number[]> {
  const held: Server[] = [];
  const ports: number[] = [];
  try {
    for (let attempt = 0; ports.length < count; attempt++) {
      if (attempt > 200 * count) throw new Error(`no ${count} free port pairs in ${LOW}–${HIGH}`);
      const port = LOW + 2 * Math.floor(Math.random() * ((HIGH - LOW) / 2));
      if (ports.some((p) => Math.abs(p - port) < 2)) continue;
      const pair = await Promise.all([hold(port), hold(port + 1)]);
      if (pair.every((s) => s !== null)) {
        held.push(...(pair as Server[]));
        ports.push(port);
      } else {
        await Promise.all(pair.map((s) => s && new Promise((r) => s.close(r))));
      }
    }
    return ports;
  } finally {
    await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
  }
}

function hold(port: number): Promise<Server | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(null));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
