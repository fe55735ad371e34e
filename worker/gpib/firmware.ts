/** What `++ver` says about the adapter, parsed loosely: custom version strings exist. */
export interface FirmwareInfo {
  /** The `++ver` reply as received. */
  version: string;
  family: 'ar488' | 'prologix' | 'unknown';
  /** e.g. "0.53.04"; null when the string carries no AR488 version. */
  ar488Version: string | null;
}

/**
 * Parses a `++ver` reply. AR488 prints `AR488 GPIB controller, ver. 0.53.04, 13/04/2025` (older
 * builds without "ver."), the douardda ESP32 fork still reports 0.49.14, Prologix prints
 * `Prologix GPIB-USB Controller version 6.101`, and `++id verstr` lets users put anything there
 * (KE5FX tools need "version 6" in it, AR488 issue #22).
 */
export function parseVersion(reply: string): FirmwareInfo {
  const version = reply.trim();
  const ar488 = /AR488/i.test(version);
  const match = /(\d+\.\d+\.\d+)/.exec(version);
  return {
    version,
    family: ar488 ? 'ar488' : /prologix/i.test(version) ? 'prologix' : 'unknown',
    ar488Version: ar488 && match ? match[1] : null,
  };
}

/** How this adapter finds listeners: TL ≥ 0.53 `++fndl`, the ESP32 fork `++findlstn`, or probing. */
export type ListenerSearch = 'fndl' | 'findlstn' | 'probe';

/** Parses `++fndl` output: `3,5:97,11,22` (primary or primary:secondary). */
export function parseFndl(reply: string): Array<{ address: number; secondary?: number }> {
  return reply
    .split(',')
    .map((part) => part.trim())
    .filter((part) => /^\d+(:\d+)?$/.test(part))
    .map((part) => {
      const [p, s] = part.split(':').map(Number);
      return s === undefined ? { address: p } : { address: p, secondary: s - 96 };
    });
}

/** Parses `++findlstn` output: `5 7 22 ` (space separated, trailing space), or an empty line. */
export function parseFindlstn(reply: string): Array<{ address: number }> {
  return reply
    .split(/\s+/)
    .filter((part) => /^\d+$/.test(part))
    .map((part) => ({ address: Number(part) }));
}
