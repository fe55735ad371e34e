import type { Logger } from '../../protocol/index.js';
import { Ar488Bridge } from './ar488-bridge.js';
import type { BridgeConfig } from './bridge-config.js';
import { BusOperations, type Listener } from './bus-operations.js';
import { BridgeNotFoundError } from './errors.js';
import { InstrumentRegistry, type InstrumentRecord } from './instrument-registry.js';
import type { Link } from './links/link.js';
import { SerialLink } from './links/serial-link.js';
import { TcpLink } from './links/tcp-link.js';

/** A configured bridge and the bus operations over it. */
export interface BridgeEntry {
  bridge: Ar488Bridge;
  bus: BusOperations;
}

/** Makes the link for a bridge; tests substitute an in-process one. */
export type LinkFactory = (config: BridgeConfig) => Link;

/** Serial → node-serialport, TCP → node:net. */
export const defaultLinkFactory: LinkFactory = (config) =>
  config.transport.kind === 'serial'
    ? new SerialLink({ path: config.transport.path, baudRate: config.transport.baudRate })
    : new TcpLink({
        host: config.transport.host,
        port: config.transport.port,
        connectTimeoutMs: config.connectTimeoutMs,
      });

/**
 * All configured bridges by name, and the instruments their scans found. It holds no lock of its
 * own: each bridge serializes its transactions, and different bridges work concurrently.
 */
export class BridgeManager {
  readonly registry = new InstrumentRegistry();
  private readonly entries = new Map<string, BridgeEntry>();

  constructor(
    configs: BridgeConfig[],
    private readonly log: Logger,
    linkFactory: LinkFactory = defaultLinkFactory,
  ) {
    for (const config of configs) {
      const bridge = new Ar488Bridge(config, linkFactory(config), log);
      this.entries.set(config.name, { bridge, bus: new BusOperations(bridge) });
    }
  }

  /** Reports every line any bridge sends, with the bridge's resource (`gpib:<name>`). */
  tapLines(listener: (resource: string, line: string) => void): void {
    for (const [name, { bridge }] of this.entries) {
      bridge.onLine = (line) => listener(`gpib:${name}`, line);
    }
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  /** The bridge of that name; BridgeNotFoundError lists the configured ones. */
  get(name: string): BridgeEntry {
    const entry = this.entries.get(name);
    if (!entry) {
      throw new BridgeNotFoundError(
        `no bridge named "${name}"; configured: ${this.names().join(', ') || 'none'}`,
        {
          bridge: name,
        },
      );
    }
    return entry;
  }

  all(): BridgeEntry[] {
    return [...this.entries.values()];
  }

  /** Connects one bridge and, when configured to, scans its bus. */
  async connect(name: string): Promise<{ firmware: string; instruments: InstrumentRecord[] }> {
    const entry = this.get(name);
    const firmware = await entry.bridge.connect();
    const instruments = entry.bridge.config.autoScan
      ? (await this.scan(name, entry.bridge.config.autoIdentify)).instruments
      : [];
    return { firmware: firmware.version, instruments };
  }

  /** Finds the listeners of a bridge, identifies them if asked, and records them. */
  async scan(
    name: string,
    identify: boolean,
  ): Promise<{ method: string; instruments: InstrumentRecord[]; wire: string[] }> {
    const { bus } = this.get(name);
    const found = await bus.findListeners();
    const wire = [...found.wire];
    const seenAt = new Date().toISOString();
    const instruments: InstrumentRecord[] = [];
    for (const listener of found.listeners) {
      instruments.push(await this.record(name, bus, listener, identify, seenAt, wire));
    }
    this.registry.replace(name, instruments);
    return { method: found.method, instruments, wire };
  }

  /** Connects every bridge at start-up in parallel; one failing bridge does not stop the others. */
  async startAll(): Promise<void> {
    const results = await Promise.allSettled(this.names().map((name) => this.connect(name)));
    const summary = results.map((r, i) =>
      r.status === 'fulfilled'
        ? `${this.names()[i]}: ${r.value.instruments.length} instrument(s)`
        : `${this.names()[i]}: ${(r.reason as Error).message}`,
    );
    const failed = results.filter((r) => r.status === 'rejected').length;
    (failed ? this.log.warn : this.log.info)(
      `GPIB: ${results.length - failed} of ${results.length} bridges up`,
      {
        bridges: summary,
      },
    );
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled(this.all().map((e) => e.bridge.disconnect()));
  }

  private async record(
    bridge: string,
    bus: BusOperations,
    listener: Listener,
    identify: boolean,
    seenAt: string,
    wire: string[],
  ): Promise<InstrumentRecord> {
    const address = { primary: listener.address, secondary: listener.secondary };
    const base = {
      bridge_name: bridge,
      address: listener.address,
      ...(listener.secondary === undefined ? {} : { secondary_address: listener.secondary }),
      seen_at: seenAt,
    };
    if (!identify) return { ...base, status: 'listener found', identity: null };
    const { identity, wire: idWire } = await bus.identify(address);
    wire.push(...idWire);
    return { ...base, status: identity ? 'identified' : 'listener found', identity };
  }
}
