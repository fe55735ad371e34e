import type { Ar488Bridge, GpibAddress, Reply, Wire } from './ar488-bridge.js';
import { InstrumentError } from './errors.js';
import { parseFindlstn, parseFndl, type ListenerSearch } from './firmware.js';
import { parseIdn, type Identity } from './idn.js';

/** A listener found on the bus. */
export interface Listener {
  address: number;
  secondary?: number;
}

const UNRECOGNIZED = /unrecognized command/i;
/** While probing, a present device answers a serial poll in a few ms; absent ones cost this. */
const PROBE_READ_TMO_MS = 50;

/**
 * What can be done on a GPIB bus through an AR488, one transaction each. Every operation returns
 * the lines it put on the link (`wire`), so a caller can see exactly what the instrument received.
 */
export class BusOperations {
  constructor(readonly bridge: Ar488Bridge) {}

  /** Sends a message and reads the instrument's reply (`++addr`, data, `++read eoi`). */
  async query(
    address: GpibAddress,
    data: Uint8Array,
    label: string,
    timeoutMs?: number,
  ): Promise<Reply> {
    this.bridge.checkData(data, label);
    return this.bridge.transaction(async (wire) => {
      await this.bridge.selectAddress(address, wire);
      await this.bridge.sendData(data, wire);
      return this.bridge.readReply({ address: address.primary, command: label }, wire, timeoutMs);
    });
  }

  /** Sends a message that expects no reply. */
  async write(address: GpibAddress, data: Uint8Array, label = 'the message'): Promise<Wire> {
    this.bridge.checkData(data, label);
    return this.bridge.transaction(async (wire) => {
      await this.bridge.selectAddress(address, wire);
      await this.bridge.sendData(data, wire);
      return wire;
    });
  }

  /**
   * Serial poll as `++addr N` then `++spoll`: the two-digit `++spoll 22` form fails on the ESP32
   * fork. No reply (Twilight prints nothing) or an empty line (ESP32) means "no response": null.
   */
  serialPoll(address: GpibAddress): Promise<{ status: number | null; wire: Wire }> {
    return this.bridge.transaction(async (wire) => {
      await this.bridge.selectAddress(address, wire);
      const reply = await this.bridge.commandLine('++spoll', wire);
      const status = reply !== null && /^\d+$/.test(reply) ? Number(reply) : null;
      return { status, wire };
    });
  }

  /** `++srq`: whether any device holds SRQ. */
  srq(): Promise<{ asserted: boolean; wire: Wire }> {
    return this.bridge.transaction(async (wire) => {
      const reply = await this.bridge.commandLine('++srq', wire);
      if (reply !== '0' && reply !== '1') {
        throw new InstrumentError(
          'DEVICE_ERROR',
          `bridge ${this.bridge.name} answered ++srq with ${JSON.stringify(reply)}`,
          {
            bridge: this.bridge.name,
            command: '++srq',
          },
        );
      }
      return { asserted: reply === '1', wire };
    });
  }

  /** `++ppoll`: the parallel-poll byte. */
  parallelPoll(): Promise<{ status: number | null; wire: Wire }> {
    return this.bridge.transaction(async (wire) => {
      const reply = await this.bridge.commandLine('++ppoll', wire);
      return { status: reply !== null && /^\d+$/.test(reply) ? Number(reply) : null, wire };
    });
  }

  /**
   * Finds the listeners: `++fndl all` (Twilight ≥ 0.53), `++findlstn` (ESP32 fork) or, where
   * neither exists, a serial poll of every address with a short `++read_tmo_ms`. The first scan
   * on an unknown firmware tries the commands in that order and remembers what worked.
   */
  findListeners(): Promise<{ method: ListenerSearch; listeners: Listener[]; wire: Wire }> {
    return this.bridge.transaction(async (wire) => {
      const order: ListenerSearch[] = this.bridge.listenerSearch
        ? [this.bridge.listenerSearch]
        : ['fndl', 'findlstn', 'probe'];
      for (const method of order) {
        const found = await this.search(method, wire);
        if (found) {
          this.bridge.listenerSearch = method;
          return { method, listeners: found, wire };
        }
      }
      throw new InstrumentError(
        'DEVICE_ERROR',
        `bridge ${this.bridge.name} could not search its bus`,
        {
          bridge: this.bridge.name,
        },
      );
    });
  }

  /** `*IDN?`, parsed; null for an instrument that does not answer it (an HP 3478A). */
  async identify(
    address: GpibAddress,
  ): Promise<{ identity: Identity | null; wire: Wire; raw: string | null }> {
    try {
      const reply = await this.query(address, Buffer.from('*IDN?'), '*IDN?');
      return { identity: parseIdn(reply.text), wire: reply.wire, raw: reply.text };
    } catch (err) {
      if (err instanceof InstrumentError && err.code === 'TIMEOUT')
        return { identity: null, wire: [], raw: null };
      throw err;
    }
  }

  /** Sends a `++` command and collects whatever lines it prints (none for most settings). */
  rawCommand(line: string, listenMs: number): Promise<{ reply: string[]; wire: Wire }> {
    return this.bridge.transaction(async (wire) => {
      await this.bridge.sendLine(Buffer.from(line), wire);
      const reply = await this.bridge.collectLines(listenMs);
      // A raw ++addr (or a reset) changes what the adapter holds; forget the cache.
      this.bridge.currentAddress = null;
      return { reply, wire };
    });
  }

  /** Runs `++` commands that print nothing (++clr, ++trg, ++ifc, ++loc, ++llo, ++ren). */
  adapterAction(lines: string[], address?: GpibAddress): Promise<Wire> {
    return this.bridge.transaction(async (wire) => {
      if (address) await this.bridge.selectAddress(address, wire);
      for (const line of lines) await this.bridge.sendLine(Buffer.from(line), wire);
      return wire;
    });
  }

  private async search(method: ListenerSearch, wire: Wire): Promise<Listener[] | null> {
    if (method === 'fndl') {
      // Twilight probes each address in a few ms, whatever ++read_tmo_ms says.
      const reply = await this.bridge.commandLine(
        '++fndl all',
        wire,
        this.bridge.config.readTimeoutMs,
      );
      const refused =
        reply !== null && (UNRECOGNIZED.test(reply) || /missing|invalid parameter/i.test(reply));
      return refused ? null : parseFndl(reply ?? '');
    }
    // The ESP32 fork's ++findlstn and a serial poll of an empty address each wait out
    // ++read_tmo_ms (DD GPIB::findListeners waits on NDAC), so both run with a short one.
    return this.withShortReadTimeout(wire, async () => {
      if (method === 'probe') return this.probe(wire);
      const limit = 31 * PROBE_READ_TMO_MS + this.bridge.config.readTimeoutMs;
      const reply = await this.bridge.commandLine('++findlstn', wire, limit);
      return reply !== null && UNRECOGNIZED.test(reply) ? null : parseFindlstn(reply ?? '');
    });
  }

  private async probe(wire: Wire): Promise<Listener[]> {
    const found: Listener[] = [];
    for (let address = 1; address <= 30; address++) {
      await this.bridge.selectAddress({ primary: address }, wire);
      const limit = PROBE_READ_TMO_MS + this.bridge.config.linkSlackMs;
      const reply = await this.bridge.commandLine('++spoll', wire, limit);
      if (reply !== null && /^\d+$/.test(reply)) found.push({ address });
    }
    return found;
  }

  private async withShortReadTimeout<T>(wire: Wire, fn: () => Promise<T>): Promise<T> {
    const bridge = this.bridge;
    await bridge.sendLine(Buffer.from(`++read_tmo_ms ${PROBE_READ_TMO_MS}`), wire);
    try {
      return await fn();
    } finally {
      await bridge.sendLine(Buffer.from(`++read_tmo_ms ${bridge.config.readTmoMs}`), wire);
    }
  }
}
