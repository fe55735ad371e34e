import type { Identity } from './idn.js';

/** An instrument the last scan of its bridge found. */
export interface InstrumentRecord {
  bridge_name: string;
  address: number;
  secondary_address?: number;
  status: 'identified' | 'listener found';
  identity: Identity | null;
  seen_at: string;
}

/**
 * What each bridge's last bus scan found: address → identity. A read-only view for
 * list_instruments and for polls that need the known listeners; only a scan changes it.
 */
export class InstrumentRegistry {
  private readonly byBridge = new Map<string, InstrumentRecord[]>();
  private readonly listeners = new Set<(bridge: string) => void>();

  /** Replaces one bridge's instruments with a new scan's. */
  replace(bridge: string, records: InstrumentRecord[]): void {
    this.byBridge.set(
      bridge,
      [...records].sort(
        (a, b) =>
          a.address - b.address || (a.secondary_address ?? -1) - (b.secondary_address ?? -1),
      ),
    );
    this.changed(bridge);
  }

  /** Instruments of one bridge, or of all, ordered by bridge then address. */
  list(bridge?: string): InstrumentRecord[] {
    if (bridge !== undefined) return this.byBridge.get(bridge) ?? [];
    return [...this.byBridge.keys()].sort().flatMap((name) => this.byBridge.get(name)!);
  }

  /** Forgets a bridge's instruments (it was disconnected). */
  forget(bridge: string): void {
    this.byBridge.delete(bridge);
    this.changed(bridge);
  }

  /**
   * Calls `listener` with the bridge's name after each scan or forget of that bridge (drivers
   * are bound to what a scan found); returns the unsubscribe function.
   */
  onChange(listener: (bridge: string) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private changed(bridge: string): void {
    for (const listener of this.listeners) listener(bridge);
  }
}
