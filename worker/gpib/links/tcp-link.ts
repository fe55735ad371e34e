import { Socket } from 'node:net';
import { ConnectionError } from '../errors.js';
import type { Link } from './link.js';

/** Where and how patiently to connect. */
export interface TcpLinkOptions {
  host: string;
  /** ESP32 AR488 firmware: 23 (douardda fork `wifiserver(23)`). */
  port: number;
  connectTimeoutMs: number;
}

/**
 * A TCP link to a Wi-Fi AR488 (douardda ESP32 fork). That firmware serves one client at a time
 * and closes a second one at once, so a refused or instantly closed connection is reported, not
 * retried silently; keep-alive and no-delay are on so a dead peer and small replies both show up.
 */
export class TcpLink implements Link {
  readonly description: string;
  private socket?: Socket;
  private dataListener: (bytes: Buffer) => void = () => {};
  private closeListener: (reason: string) => void = () => {};
  private closing = false;

  constructor(private readonly options: TcpLinkOptions) {
    this.description = `tcp ${options.host}:${options.port}`;
  }

  get isOpen(): boolean {
    return this.socket !== undefined && !this.socket.destroyed;
  }

  open(): Promise<void> {
    this.closing = false;
    return new Promise((resolve, reject) => {
      const socket = new Socket();
      const fail = (why: string) => {
        clearTimeout(timer);
        socket.destroy();
        reject(
          new ConnectionError(`cannot connect to ${this.description}: ${why}`, {
            link: this.description,
          }),
        );
      };
      const timer = setTimeout(
        () => fail(`no connection within ${this.options.connectTimeoutMs} ms (connect_timeout_ms)`),
        this.options.connectTimeoutMs,
      );
      socket.once('error', (err) => fail(err.message));
      socket.connect(this.options.port, this.options.host, () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        socket.setNoDelay(true);
        socket.setKeepAlive(true, 5000);
        socket.on('data', (bytes: Buffer) => this.dataListener(bytes));
        socket.on('error', () => {});
        socket.once('close', () => {
          if (this.socket === socket) this.socket = undefined;
          if (!this.closing) this.closeListener(`${this.description} closed the connection`);
        });
        this.socket = socket;
        resolve();
      });
    });
  }

  write(bytes: Buffer): Promise<void> {
    const socket = this.socket;
    if (!socket || socket.destroyed) {
      return Promise.reject(
        new ConnectionError(`${this.description} is not connected`, { link: this.description }),
      );
    }
    return new Promise((resolve, reject) =>
      socket.write(bytes, (err) =>
        err
          ? reject(new ConnectionError(`write to ${this.description} failed: ${err.message}`))
          : resolve(),
      ),
    );
  }

  async discardInput(): Promise<void> {
    // TCP has no OS-side input flush; bytes already received were delivered to the session.
  }

  async close(): Promise<void> {
    this.closing = true;
    const socket = this.socket;
    this.socket = undefined;
    if (!socket || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.end();
      setTimeout(() => socket.destroy(), 500).unref();
    });
  }

  onData(listener: (bytes: Buffer) => void): void {
    this.dataListener = listener;
  }

  onClose(listener: (reason: string) => void): void {
    this.closeListener = listener;
  }
}
