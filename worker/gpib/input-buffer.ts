import { parseBlockHeader, type BlockHeader } from './ieee-block.js';

/** How a read ended. */
export type ReadEnd =
  /** The framer found the end of the message. */
  | 'complete'
  /** Bytes came, then none for the inactivity limit: the adapter stopped sending. */
  | 'inactive'
  /** Not a single byte within the first-byte limit. */
  | 'no-response'
  /** Bytes kept coming past the total limit. */
  | 'total-timeout'
  /** The link went away mid-read. */
  | 'closed';

/**
 * Decides where a message ends. `push` sees each new chunk in order and returns how many bytes
 * of it belong to the message once the message is complete, or -1 while more are needed.
 */
export interface Framer {
  push(chunk: Buffer): number;
}

/** Limits of one read, in ms. */
export interface ReadLimits {
  firstByteMs: number;
  inactivityMs: number;
  totalMs: number;
  /** Asked after every chunk: a larger total limit once the message says how long it is. */
  extendTotalMs?: () => number;
}

/**
 * Bytes received from an adapter and not yet read. The link delivers fragments of any size
 * (one byte at a time over AR488 TCP), so reads are framed here, with three clocks: a first-byte
 * limit, an inactivity limit (AR488 has no in-band end-of-read marker; when it stops sending, the
 * read is over) and a total limit.
 */
export class InputBuffer {
  private chunks: Buffer[] = [];
  private waiter?: (chunk: Buffer | null) => void;

  /** Adds bytes from the link. */
  push(bytes: Buffer): void {
    if (this.waiter) this.waiter(bytes);
    else this.chunks.push(bytes);
  }

  /** The link closed: a waiting read ends with 'closed'. */
  linkClosed(): void {
    this.waiter?.(null);
  }

  /** Drops everything buffered; returns the bytes dropped (stale output from an earlier read). */
  clear(): Buffer {
    const stale = Buffer.concat(this.chunks);
    this.chunks = [];
    return stale;
  }

  /** Reads one framed message. Bytes after the end of the message stay buffered. */
  async read(framer: Framer, limits: ReadLimits): Promise<{ bytes: Buffer; end: ReadEnd }> {
    const taken: Buffer[] = [];
    const offer = (chunk: Buffer): boolean => {
      const used = framer.push(chunk);
      if (used < 0) {
        taken.push(chunk);
        return false;
      }
      taken.push(chunk.subarray(0, used));
      if (used < chunk.length) this.chunks.unshift(chunk.subarray(used));
      return true;
    };
    while (this.chunks.length > 0) {
      if (offer(this.chunks.shift()!)) return { bytes: Buffer.concat(taken), end: 'complete' };
    }
    const started = performance.now();
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout;
      let totalMs = limits.totalMs;
      const finish = (end: ReadEnd) => {
        clearTimeout(timer);
        clearTimeout(total);
        this.waiter = undefined;
        resolve({ bytes: Buffer.concat(taken), end });
      };
      const armTotal = () =>
        setTimeout(
          () => finish('total-timeout'),
          Math.max(0, totalMs - (performance.now() - started)),
        );
      const arm = () => {
        clearTimeout(timer);
        const gotAny = taken.length > 0;
        timer = setTimeout(
          () => finish(gotAny ? 'inactive' : 'no-response'),
          gotAny ? limits.inactivityMs : limits.firstByteMs,
        );
      };
      let total = armTotal();
      this.waiter = (chunk) => {
        if (chunk === null) return finish('closed');
        if (offer(chunk)) return finish('complete');
        const extended = limits.extendTotalMs?.() ?? totalMs;
        if (extended > totalMs) {
          totalMs = extended;
          clearTimeout(total);
          total = armTotal();
        }
        arm();
      };
      arm();
    });
  }
}

/** A `++` command reply: one line ending in LF (AR488 replies end `\r\n`, Arduino println). */
export function lineFramer(): Framer {
  return {
    push(chunk) {
      const i = chunk.indexOf(0x0a);
      return i < 0 ? -1 : i + 1;
    },
  };
}

/**
 * A reply to `++read eoi`: an IEEE 488.2 definite-length block is complete after its announced
 * bytes (plus the NL that usually follows them), whatever CR or LF bytes it holds; any other reply
 * ends at its first LF (SCPI's NL^END; bytes after it stay buffered and count as stale). A reply
 * without LF is complete when the adapter stops sending (inactivity).
 */
export class ReplyFramer implements Framer {
  /** The block header, once the reply turned out to be a block. */
  block?: BlockHeader;
  private head = Buffer.alloc(0);
  private count = 0;
  private mode: 'unknown' | 'text' | 'block' = 'unknown';

  push(chunk: Buffer): number {
    const before = this.count;
    this.count += chunk.length;
    if (this.mode === 'unknown') {
      // `#9` plus nine digits is the longest header: 11 bytes decide it.
      this.head = Buffer.concat([this.head, chunk.subarray(0, Math.max(0, 16 - this.head.length))]);
      const header = parseBlockHeader(this.head);
      if (header === undefined) return -1;
      if (header === null) this.mode = 'text';
      else {
        this.mode = 'block';
        this.block = header;
      }
    }
    if (this.mode === 'text') {
      const lf = chunk.indexOf(0x0a);
      return lf < 0 ? -1 : lf + 1;
    }
    const end = this.block!.dataStart + this.block!.length;
    if (this.count <= end) return -1;
    const next = end - before;
    return chunk[next] === 0x0a ? next + 1 : next;
  }
}
