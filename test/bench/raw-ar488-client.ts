import { Socket } from 'node:net';
import { SerialPort } from 'serialport';

/**
 * The least any driver can do on an AR488: `++addr` once, then each query as one write of
 * `COMMAND\r\n++read eoi\r\n` and a wait for the reply's LF — no framing, no checks, no worker.
 * Measured on the same emulator, it is the achievable limit the driver is compared with.
 */
export async function rawQueries(
  target: { tcp: { host: string; port: number } } | { serial: string },
  command: string,
  count: number,
): Promise<number[]> {
  const link = 'tcp' in target ? await openTcp(target.tcp) : await openSerial(target.serial);
  try {
    let pending = Buffer.alloc(0);
    let waiter: (() => void) | undefined;
    link.onData((bytes) => {
      pending = Buffer.concat([pending, bytes]);
      if (pending.includes(0x0a) && waiter) waiter();
    });
    const exchange = async (line: string, expectReply: boolean) => {
      pending = Buffer.alloc(0);
      const replied = expectReply
        ? new Promise<void>((resolve) => (waiter = resolve))
        : Promise.resolve();
      await link.write(Buffer.from(line));
      await replied;
      waiter = undefined;
    };
    // A board that resets on open needs a moment; ask until it answers.
    for (let i = 0; i < 50; i++) {
      const answered = await Promise.race([
        exchange('++ver\r\n', true).then(() => true),
        sleep(100).then(() => false),
      ]);
      if (answered) break;
    }
    await exchange('++addr 22\r\n', false);
    const samples: number[] = [];
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      await exchange(`${command}\r\n++read eoi\r\n`, true);
      samples.push(performance.now() - started);
    }
    return samples;
  } finally {
    await link.close();
  }
}

interface RawLink {
  write(bytes: Buffer): Promise<void>;
  onData(listener: (bytes: Buffer) => void): void;
  close(): Promise<void>;
}

function openTcp({ host, port }: { host: string; port: number }): Promise<RawLink> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    socket.once('error', reject);
    socket.connect(port, host, () => {
      socket.setNoDelay(true);
      resolve({
        write: (bytes) => new Promise((r) => socket.write(bytes, () => r())),
        onData: (listener) => socket.on('data', listener),
        close: () => new Promise((r) => socket.end(() => r())),
      });
    });
  });
}

function openSerial(path: string): Promise<RawLink> {
  return new Promise((resolve, reject) => {
    const port = new SerialPort({ path, baudRate: 115_200, autoOpen: false });
    port.open((err) => {
      if (err) return reject(err);
      resolve({
        write: (bytes) => new Promise((r) => port.write(bytes, () => port.drain(() => r()))),
        onData: (listener) => port.on('data', listener),
        close: () => new Promise((r) => port.close(() => r())),
      });
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
