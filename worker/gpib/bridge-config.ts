/** How a bridge is reached. */
export type BridgeTransport =
  { kind: 'serial'; path: string; baudRate: number } | { kind: 'tcp'; host: string; port: number };

/** One AR488 bridge as the worker runs it (built from the config file's `gpib.bridges`). */
export interface BridgeConfig {
  /** e.g. "bench-a": letters, digits, '-' and '_'. */
  name: string;
  transport: BridgeTransport;
  /**
   * The host's limit for one transaction's reply. Timeouts nest: the adapter's per-byte
   * `++read_tmo_ms` < this < the worker's method deadline < the frontend's, so the innermost
   * layer reports the specific failure.
   */
  readTimeoutMs: number;
  /** `++read_tmo_ms`: the adapter's per-byte handshake timeout. */
  readTmoMs: number;
  /** Pause after every line sent (mcgpib: 10 ms against ESP32 brown-outs and slow buses). */
  interCommandDelayMs: number;
  /** `++eos`: 0 CR+LF, 1 CR, 2 LF, 3 none appended to data sent to instruments. */
  eos: 0 | 1 | 2 | 3;
  connectTimeoutMs: number;
  /** How long a board that resets when its port opens may take to answer `++ver`. */
  startupWindowMs: number;
  /** Added to adapter-side timeouts for link latency (USB frames, Wi-Fi). */
  linkSlackMs: number;
  autoScan: boolean;
  autoIdentify: boolean;
  /** Skip feature probing when the firmware is known. */
  firmware: 'auto' | 'twilight' | 'esp32' | 'prologix';
}

/** Defaults for the fields a config file may leave out. */
export const BRIDGE_DEFAULTS = {
  readTimeoutMs: 3000,
  readTmoMs: 1200,
  interCommandDelayMs: 10,
  eos: 0,
  connectTimeoutMs: 5000,
  startupWindowMs: 4000,
  linkSlackMs: 200,
  autoScan: true,
  autoIdentify: true,
  firmware: 'auto',
} as const;

/** "tcp 192.168.1.50:23" or "serial /dev/ttyUSB0 @115200". */
export function describeTransport(t: BridgeTransport): string {
  return t.kind === 'tcp' ? `tcp ${t.host}:${t.port}` : `serial ${t.path} @${t.baudRate}`;
}
