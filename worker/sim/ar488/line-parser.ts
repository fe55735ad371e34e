import type { FirmwareProfile } from './profiles.js';

const CR = 0x0d;
const LF = 0x0a;
const ESC = 0x1b;
const PLUS = 0x2b;
const BS = 0x08;

/** A complete input line, as the firmware's `parseInput()` hands it to the main loop. */
export type ParsedLine =
  /** `++…` line (lnRdy = 1); bytes include the leading `++`. */
  | { kind: 'command'; bytes: Buffer }
  /** Instrument data (lnRdy = 2); `bufferFull` when the parse buffer filled before a terminator. */
  | { kind: 'data'; bytes: Buffer; bufferFull: boolean }
  /** `++!` (status 3): flushed, nothing else happens (TL reads are blocking). */
  | { kind: 'break'; bytes: Buffer }
  /** A `++` line that filled the buffer without a terminator: discarded. */
  | { kind: 'overflow'; bytes: Buffer }
  /** A terminator on an empty buffer: ignored (verbose prints a prompt). */
  | { kind: 'empty' };

/**
 * Host → adapter byte parsing, one byte at a time, as TL `parseInput()` (src/AR488/AR488.ino)
 * and DD `Controller::parseInput()` (src/controller.cpp) do it:
 * - an unescaped CR (and LF on TL/Prologix; DD ignores LF since 59d73d2) ends the line;
 * - ESC takes the next byte literally (ESC ESC → ESC, ESC CR → CR, ESC + → +, ESC x → x);
 * - a line is a command when it starts with `++`, is longer than 2 bytes and its `+` was not
 *   escaped (an escaped `+` only counts at buffer position 0 or 1, `isPlusEscaped`);
 * - DD: an unescaped BS deletes the previous byte;
 * - when the buffer fills, a command is discarded and data is flushed as a chunk.
 */
export class LineParser {
  private readonly buf: Buffer;
  private ptr = 0;
  private escaped = false;
  private plusEscaped = false;

  constructor(private readonly profile: FirmwareProfile) {
    this.buf = Buffer.alloc(profile.parseBufferSize);
  }

  /** Bytes buffered toward the current line. */
  get pending(): number {
    return this.ptr;
  }

  /** Forget any partial line (reboot). */
  reset(): void {
    this.ptr = 0;
    this.escaped = false;
    this.plusEscaped = false;
  }

  /** Feed one byte; returns a line when this byte completed one. */
  feed(c: number): ParsedLine | undefined {
    let line: ParsedLine | undefined;
    const endsLine = c === CR || (c === LF && this.profile.lfEndsLine);
    if (c === LF && !this.profile.lfEndsLine) {
      // DD: `case LF: break;` even when escaped, so LF can never reach the bus on that firmware.
      return undefined;
    } else if (endsLine) {
      if (this.escaped) {
        this.add(c);
        this.escaped = false;
      } else if (this.ptr === 0) {
        return { kind: 'empty' };
      } else {
        if (this.ptr > 2 && this.isCommand() && !this.plusEscaped) {
          line =
            this.buf[2] === 0x21
              ? { kind: 'break', bytes: this.take() }
              : { kind: 'command', bytes: this.take() };
        } else {
          line = { kind: 'data', bytes: this.take(), bufferFull: false };
        }
        this.plusEscaped = false;
        return line;
      }
    } else if (c === ESC) {
      if (this.escaped) {
        this.add(c);
        this.escaped = false;
      } else {
        this.escaped = true;
      }
    } else if (c === PLUS) {
      if (this.escaped) {
        this.escaped = false;
        if (this.ptr < 2) this.plusEscaped = true;
      }
      this.add(c);
    } else if (c === BS && this.profile.backspaceDeletes) {
      if (this.escaped) {
        this.add(c);
        this.escaped = false;
      } else if (this.ptr > 0) {
        // DD does `pbPtr--` unguarded (uint8_t wraps at 0); clamped here.
        this.ptr--;
      }
    } else {
      this.add(c);
      this.escaped = false;
    }
    if (this.ptr >= this.buf.length) {
      if (this.isCommand()) return { kind: 'overflow', bytes: this.take() };
      return { kind: 'data', bytes: this.take(), bufferFull: true };
    }
    return undefined;
  }

  private isCommand(): boolean {
    return this.ptr >= 2 && this.buf[0] === PLUS && this.buf[1] === PLUS;
  }

  private add(c: number): void {
    this.buf[this.ptr++] = c;
  }

  private take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.ptr));
    this.ptr = 0;
    return out;
  }
}

/** Escape data for the AR488/Prologix link: ESC before CR, LF, ESC and `+` (Prologix manual §7.1). */
export function escapeData(data: Buffer): Buffer {
  const out: number[] = [];
  for (const b of data) {
    if (b === CR || b === LF || b === ESC || b === PLUS) out.push(ESC);
    out.push(b);
  }
  return Buffer.from(out);
}
