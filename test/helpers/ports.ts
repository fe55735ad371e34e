import { createServer, type Server } from 'node:net';

/** Ports free on 127.0.0.1 right now, all different (held open together while chosen). */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
      ports.push((server.address() as { port: number }).port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
}

/**
 * A free port whose next one is free too, for `--bind` without a config: the worker then takes
 * port + 1 for its events, which freePorts does not reserve. Both are held while chosen.
 */
export async function freePortAndNext(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const [port] = await freePorts(1);
    const next = createServer();
    const ok = await new Promise<boolean>((resolve) => {
      next.once('error', () => resolve(false));
      next.listen(port + 1, '127.0.0.1', () => resolve(true));
    });
    await new Promise((r) => next.close(r));
    if (ok) return port;
  }
  throw new Error('no free port with a free next one in 50 tries');
}
