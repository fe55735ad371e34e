import { Ar488Emulator, type EmulatorOptions } from './emulator.js';
import { type PtyFrontEnd, startPtyServer } from './pty-server.js';
import { type TcpFrontEnd, startTcpServer } from './tcp-server.js';

/** What `startAr488Sim` returns: the emulator, where its front ends listen, and `close()`. */
export interface Ar488Sim {
  emulator: Ar488Emulator;
  tcp?: { host: string; port: number };
  pty?: { path: string };
  close(): Promise<void>;
}

/**
 * Start an emulated AR488 with its front ends: TCP (`port` 0 picks a free port; the real one is
 * reported) and/or a socat pseudo-terminal whose `path` the host opens. If a front end fails to
 * start, the ones already started are closed and the error is thrown.
 */
export async function startAr488Sim(
  options: EmulatorOptions & {
    tcp?: { host: string; port: number };
    pty?: { path: string };
  },
): Promise<{
  emulator: Ar488Emulator;
  tcp?: { host: string; port: number };
  pty?: { path: string };
  close(): Promise<void>;
}> {
  const emulator = new Ar488Emulator(options);
  let tcp: TcpFrontEnd | undefined;
  let pty: PtyFrontEnd | undefined;
  const close = async () => {
    await Promise.all([tcp?.close(), pty?.close()]);
    emulator.close();
  };
  try {
    if (options.tcp) tcp = await startTcpServer(emulator, options.tcp);
    if (options.pty) pty = await startPtyServer(emulator, options.pty);
  } catch (err) {
    await close();
    throw err;
  }
  const sim: Ar488Sim = { emulator, close };
  if (tcp) sim.tcp = { host: tcp.host, port: tcp.port };
  if (pty) sim.pty = { path: pty.path };
  return sim;
}
