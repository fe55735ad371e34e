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

  /** Replaces one bridge's instruments with a new scan's. */
  replace(bridge: string, records: InstrumentRecord[]): void {
    this.byBridge.set(
      bridge,
      [...records].sort(
        (a, b) =>
          a.address - b.address || (a.secondary_address ?? -1) - (b.secondary_address ?? -1),
      ),
    );
  }

  /** Instruments of one bridge, or of all, ordered by bridge then address. */
  list(bridge?: string): InstrumentRecord[] {
    if (bridge !== undefined) return this.byBridge.get(bridge) ?? [];
    return [...this.byBridge.keys()].sort().flatMap((name) => this.byBridge.get(name)!);
  }

  /** Forgets a bridge's instruments (it was disconnected). */
  forget(bridge: string): void {
    this.byBridge.delete(bridge);
  }
}
