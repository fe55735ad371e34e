import { createServer, type Server, type Socket } from 'node:net';
import type { Ar488Emulator } from './emulator.js';

/** A running TCP front end. */
export interface TcpFrontEnd {
  host: string;
  /** The port actually bound (when 0 was asked for, the one the OS picked). */
  port: number;
  close(): Promise<void>;
}

/**
 * TCP front end with the DD-ESP32 firmware's behaviour (src/controller.cpp `connectWifi()`):
 * `setNoDelay(true)`, one client at a time, a second client accepted and stopped at once while
 * the first is connected, a dead client (closed or reset) freed before the next is accepted, and
 * the link dropped when the adapter reboots (`++rst`, brownout).
 */
export async function startTcpServer(
  emulator: Ar488Emulator,
  address: { host: string; port: number },
): Promise<TcpFrontEnd> {
  let client: Socket | undefined;
  let unsubscribe: (() => void) | undefined;
  const sockets = new Set<Socket>();

  const release = (socket: Socket) => {
    if (client !== socket) return;
    client = undefined;
    unsubscribe?.();
    unsubscribe = undefined;
    emulator.hostDisconnected();
  };

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    if (client && !client.destroyed && client.writable) {
      // `wifiserver.available().stop()`: no free slot, so the newcomer is closed at once.
      socket.destroy();
      return;
    }
    client = socket;
    socket.setNoDelay(true);
    emulator.setLinkKind('tcp');
    unsubscribe = emulator.onOutput((bytes) => {
      if (!socket.destroyed) socket.write(bytes);
    });
    socket.on('data', (bytes) => emulator.receive(bytes));
    socket.on('end', () => socket.destroy());
    socket.on('close', () => release(socket));
    emulator.hostConnected();
  });

  const stopDrop = emulator.onLinkDrop(() => {
    // An ESP32 reboot takes the WiFi link (and the client) with it.
    const c = client;
    if (c) {
      release(c);
      c.destroy();
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address();
  const port = typeof bound === 'object' && bound ? bound.port : address.port;

  return {
    host: address.host,
    port,
    close: async () => {
      stopDrop();
      if (client) release(client);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
