/**
 * Fault knobs of the AR488 emulator, each reproducing a field failure from reference §4 (row
 * numbers in brackets), and the link model that applies the wire-level ones. Every knob is off by
 * default; an emulator without faults behaves like healthy firmware on an ideal link.
 */

/** Power-on reset when the host opens the port (Arduino DTR reset, ESP32 EN; §4 row 13). */
export interface ResetOnOpen {
  /** Input is ignored for this long after the open, ms. */
  bootMs: number;
  /** What the adapter prints while booting; `true` = the profile's (ESP32 ROM messages). */
  chatter?: string | boolean;
}

/** The fault knobs. Units are in the names (ms, bytes, baud). */
export interface FaultOptions {
  /** Extra time before the adapter acts on each input line, ms (slow firmware/USB). */
  latencyMs: number;
  /**
   * Send output to the host one byte per write (AR488#48, pymeasure#708; §4 row 7). `true` uses
   * a 0 ms gap (one write per event-loop turn); a number is the gap between bytes in ms.
   */
  byteAtATime: boolean | number;
  /**
   * UART receive buffer, bytes (64 on AVR). While the adapter is busy (reading, polling,
   * waiting), host bytes beyond this many unparsed bytes are dropped (§4 row 6). Without `baud`
   * a host write lands all at once, so pipelined lines overrun more easily than on a real wire;
   * combine with `baud` for wire-paced arrival.
   */
  rxBufferBytes: number;
  /** Reset and boot chatter when the host connects (§4 rows 13–14). */
  resetOnOpen: ResetOnOpen | undefined;
  /** The link drops (brownout reboot) this long after the host connects, ms (§4 row 14). */
  dropAfterMs: number;
  /** Bytes emitted after every instrument reply, e.g. a stray `\x00` (pymeasure#954; §4 row 8). */
  staleBytes: Buffer | string | undefined;
  /** Extra response time per instrument, ms, keyed by primary address (§4 row 1). */
  instrumentDelayMs: Record<number, number>;
  /** Throttle both directions to an 8N1 wire: 10 bits per byte (115200 → 86.8 µs/byte). */
  baud: number;
  /** Pre-0.51.29 TL `sendData()`: with `++eoi 0`, escaped CR/LF/ESC are dropped (AR488#45). */
  oldEscapeDrop: boolean;
  /** Override the profile's reboot time after `++rst`/`reboot()`, ms. */
  rebootMs: number | undefined;
}

/** All knobs off. */
export const NO_FAULTS: Readonly<FaultOptions> = {
  latencyMs: 0,
  byteAtATime: false,
  rxBufferBytes: 0,
  resetOnOpen: undefined,
  dropAfterMs: 0,
  staleBytes: undefined,
  instrumentDelayMs: {},
  baud: 0,
  oldEscapeDrop: false,
  rebootMs: undefined,
};

/** Fill in defaults and check ranges; throws with the offending knob's name. */
export function resolveFaults(partial: Partial<FaultOptions> = {}): FaultOptions {
  const f: FaultOptions = { ...NO_FAULTS, ...partial };
  const nonNegative = (name: keyof FaultOptions, v: unknown) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw new Error(`fault ${name} must be a number ≥ 0; got ${String(v)}`);
  };
  nonNegative('latencyMs', f.latencyMs);
  nonNegative('rxBufferBytes', f.rxBufferBytes);
  nonNegative('dropAfterMs', f.dropAfterMs);
  nonNegative('baud', f.baud);
  if (typeof f.byteAtATime === 'number') nonNegative('byteAtATime', f.byteAtATime);
  if (f.rebootMs !== undefined) nonNegative('rebootMs', f.rebootMs);
  if (f.resetOnOpen) nonNegative('resetOnOpen', f.resetOnOpen.bootMs);
  for (const ms of Object.values(f.instrumentDelayMs)) nonNegative('instrumentDelayMs', ms);
  return f;
}

/** Byte time on an 8N1 wire at `baud`, ms. */
export function byteTimeMs(baud: number): number {
  return 10_000 / baud;
}

/**
 * One direction of the host link: delivers bytes to `sink` in order, paced to `baud` and/or one
 * byte per write. Without either it delivers synchronously, in the writer's fragments.
 */
export class LinkShaper {
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private startedAt = 0;
  private sent = 0;

  constructor(
    private readonly options: { baud: number; byteAtATime: boolean | number },
    private readonly sink: (bytes: Buffer) => void,
  ) {}

  /** Bytes waiting to go out. */
  get pending(): number {
    return this.queued;
  }

  /** Queue bytes for delivery. */
  push(bytes: Buffer): void {
    if (bytes.length === 0) return;
    if (!this.options.baud && this.options.byteAtATime === false) {
      this.sink(bytes);
      return;
    }
    if (this.queued === 0 && this.timer === undefined) {
      this.startedAt = performance.now();
      this.sent = 0;
    }
    this.queue.push(bytes);
    this.queued += bytes.length;
    if (this.timer === undefined) this.pump();
  }

  /** Drop everything not yet delivered (the MCU reset and lost its buffers). */
  clear(): void {
    this.queue.length = 0;
    this.queued = 0;
    this.stop();
  }

  /** Stop timers. */
  stop(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
    }
    this.timer = undefined;
  }

  private pump(): void {
    this.timer = undefined;
    if (this.queued === 0) return;
    let allowed = Number.POSITIVE_INFINITY;
    if (this.options.baud) {
      const elapsed = performance.now() - this.startedAt;
      // The first byte goes at once; then one byte per 10 bit times.
      allowed = Math.floor(elapsed / byteTimeMs(this.options.baud)) + 1 - this.sent;
    }
    if (this.options.byteAtATime !== false) allowed = Math.min(allowed, 1);
    if (allowed > 0) {
      const chunk = this.take(Math.min(allowed, this.queued));
      this.sent += chunk.length;
      this.sink(chunk);
    }
    if (this.queued === 0) return;
    const gap = typeof this.options.byteAtATime === 'number' ? this.options.byteAtATime : 0;
    const wait = this.options.baud
      ? Math.max(
          gap,
          this.startedAt + (this.sent + 1) * byteTimeMs(this.options.baud) - performance.now(),
          1,
        )
      : gap;
    this.timer = wait <= 0 ? setImmediate(() => this.pump()) : setTimeout(() => this.pump(), wait);
  }

  private take(n: number): Buffer {
    const parts: Buffer[] = [];
    let left = n;
    while (left > 0) {
      const head = this.queue[0];
      if (head.length <= left) {
        parts.push(head);
        this.queue.shift();
        left -= head.length;
      } else {
        parts.push(head.subarray(0, left));
        this.queue[0] = head.subarray(left);
        left = 0;
      }
    }
    this.queued -= n;
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }
}
