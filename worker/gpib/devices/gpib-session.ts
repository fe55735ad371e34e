import type { GpibAddress } from '../ar488-bridge.js';
import type { BusOperations } from '../bus-operations.js';
import { InstrumentError } from '../errors.js';

/** An IEEE 488.2 definite-length block as read: its header text and its data bytes. */
export interface Block {
  /** `#42500`, for metadata. */
  header: string;
  data: Buffer;
}

/**
 * One instrument's session: its address on one bridge, and text or block transactions through
 * that bridge's bus operations (the same calls instrument_query makes). Failures are the GPIB
 * errors (InstrumentError, TimeoutError…), so they reach the wire as DEVICE_ERROR or TIMEOUT
 * naming the bridge, the address and the command.
 */
export class GpibSession {
  /** `bench/22`, or `bench/22.1` with a secondary address: the device's name. */
  readonly name: string;

  constructor(
    readonly bus: BusOperations,
    readonly bridge: string,
    readonly address: GpibAddress,
  ) {
    this.name = gpibDeviceName(bridge, address);
  }

  /** Sends a program message that expects no reply. */
  async write(command: string): Promise<void> {
    await this.bus.write(this.address, Buffer.from(command, 'latin1'), command);
  }

  /** Sends a query and returns the reply text, its trailing CR/LF and blanks removed. */
  async query(command: string, timeoutMs?: number): Promise<string> {
    return (await this.queryBytes(command, timeoutMs)).toString('latin1').trimEnd();
  }

  /** Sends a query and returns the reply bytes as read (binary status bytes, say). */
  async queryBytes(command: string, timeoutMs?: number): Promise<Buffer> {
    const reply = await this.bus.query(
      this.address,
      Buffer.from(command, 'latin1'),
      command,
      timeoutMs,
    );
    return reply.bytes;
  }

  /** Sends a query whose reply is one number (NR1/NR2/NR3); anything else is a DEVICE_ERROR. */
  async queryNumber(command: string, timeoutMs?: number): Promise<number> {
    return this.parseNumber(command, await this.query(command, timeoutMs));
  }

  /** Sends a query whose reply is an IEEE 488.2 definite-length block (`#<n><len><data>`). */
  async queryBlock(command: string, timeoutMs?: number): Promise<Block> {
    const reply = await this.bus.query(
      this.address,
      Buffer.from(command, 'latin1'),
      command,
      timeoutMs,
    );
    if (!reply.block) {
      throw this.error(
        command,
        `answered "${reply.text.slice(0, 40)}", not an IEEE 488.2 block (#<n><length><bytes>)`,
      );
    }
    const { dataStart, length } = reply.block;
    return {
      header: reply.bytes.subarray(0, dataStart).toString('latin1').trim(),
      data: reply.bytes.subarray(dataStart, dataStart + length),
    };
  }

  /** A reply text as a number, or a DEVICE_ERROR quoting it. */
  parseNumber(command: string, text: string): number {
    const value = Number(text.trim());
    if (text.trim() === '' || !Number.isFinite(value)) {
      throw this.error(command, `answered "${text.slice(0, 40)}", not a number`);
    }
    return value;
  }

  /** A DEVICE_ERROR about this instrument: "instrument bench/22 <what> to <command>". */
  error(command: string, what: string): InstrumentError {
    return new InstrumentError('DEVICE_ERROR', `instrument ${this.name} ${what} (to ${command})`, {
      bridge: this.bridge,
      address: this.address.primary,
      secondary_address: this.address.secondary,
      command,
    });
  }
}

/** `bench/22`, `bench/22.1`: how a GPIB device is named. */
export function gpibDeviceName(bridge: string, address: GpibAddress): string {
  return address.secondary === undefined
    ? `${bridge}/${address.primary}`
    : `${bridge}/${address.primary}.${address.secondary}`;
}
