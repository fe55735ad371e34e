import type { SerialPort } from 'serialport';
import { ConnectionError } from '../errors.js';
import { loadSerialPort } from './serialport-addon.js';
import type { Link } from './link.js';

/** Which port and how it is framed: AR488 defaults to 115200 8N1 (AR488_Config.h). */
export interface SerialLinkOptions {
  path: string;
  baudRate: number;
  dataBits?: 5 | 6 | 7 | 8;
  stopBits?: 1 | 1.5 | 2;
  parity?: 'none' | 'even' | 'odd';
}

/**
 * A USB-serial link to an AR488 through node-serialport, loaded on first open (see
 * serialport-addon.ts, the only module that imports it). Opening
 * resets UNO/Nano/Mega boards (DTR), so the session retries `++ver` through a start-up window
 * rather than trusting the first reply.
 */
export class SerialLink implements Link {
  readonly description: string;
  private port?: SerialPort;
  private dataListener: (bytes: Buffer) => void = () => {};
  private closeListener: (reason: string) => void = () => {};
  private closing = false;

  constructor(private readonly options: SerialLinkOptions) {
    this.description = `serial ${options.path} @${options.baudRate}`;
  }

  get isOpen(): boolean {
    return this.port?.isOpen ?? false;
  }

  async open(): Promise<void> {
    this.closing = false;
    const SerialPortClass = await loadSerialPort(this.description);
    return new Promise((resolve, reject) => {
      const port = new SerialPortClass({
        path: this.options.path,
        baudRate: this.options.baudRate,
        dataBits: this.options.dataBits ?? 8,
        stopBits: this.options.stopBits ?? 1,
        parity: this.options.parity ?? 'none',
        autoOpen: false,
        // Another process holding the port (a second labrelay, a terminal) is an error, not a share.
        lock: true,
      });
      port.open((err) => {
        if (err) {
          reject(
            new ConnectionError(`cannot open ${this.description}: ${explain(err.message)}`, {
              link: this.description,
            }),
          );
          return;
        }
        port.on('data', (bytes: Buffer) => this.dataListener(bytes));
        port.on('error', () => {});
        port.once('close', (closeErr?: Error & { disconnected?: boolean }) => {
          if (this.port === port) this.port = undefined;
          if (!this.closing) {
            this.closeListener(
              `${this.description} closed${closeErr?.disconnected ? ' (device disconnected)' : ''}`,
            );
          }
        });
        this.port = port;
        resolve();
      });
    });
  }

  write(bytes: Buffer): Promise<void> {
    const port = this.port;
    if (!port?.isOpen) {
      return Promise.reject(
        new ConnectionError(`${this.description} is not open`, { link: this.description }),
      );
    }
    return new Promise((resolve, reject) => {
      port.write(bytes, (err) => {
        if (err) reject(new ConnectionError(`write to ${this.description} failed: ${err.message}`));
      });
      // drain() resolves when the OS took the bytes, so writes never pile up in node's buffer.
      port.drain((err) =>
        err
          ? reject(new ConnectionError(`write to ${this.description} failed: ${err.message}`))
          : resolve(),
      );
    });
  }

  discardInput(): Promise<void> {
    const port = this.port;
    if (!port?.isOpen) return Promise.resolve();
    // tcflush(TCIFLUSH): stale bytes from a previous run survive a reconnect (stack-notes §5).
    return new Promise((resolve) => port.flush(() => resolve()));
  }

  async close(): Promise<void> {
    this.closing = true;
    const port = this.port;
    this.port = undefined;
    if (!port?.isOpen) return;
    await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  onData(listener: (bytes: Buffer) => void): void {
    this.dataListener = listener;
  }

  onClose(listener: (reason: string) => void): void {
    this.closeListener = listener;
  }
}

function explain(message: string): string {
  if (/No such file or directory/i.test(message))
    return `${message} — is the adapter plugged in and the path right?`;
  if (/Resource temporarily unavailable|lock|busy/i.test(message)) {
    return `${message} — another program has the port open`;
  }
  if (/Permission denied/i.test(message)) return `${message} — add the user to the dialout group`;
  return message;
}
