import { createHash } from 'node:crypto';

/** A reply as sent: JSON text, or its UTF-8 bytes when the dispatcher wrote them directly. */
export type WireReply = string | Buffer;

interface Entry {
  fingerprint: string;
  reply: WireReply;
}

/** Limits of the reply cache. */
export interface ReplyCacheLimits {
  /** Most replies kept. */
  entries: number;
  /** Most bytes of reply text kept. */
  bytes: number;
}

/**
 * Replies by request id, so that a client's retry of a request (same id: Lazy Pirate, a pyzmq
 * script that resent) gets the first reply instead of running the operation twice — zguide ch. 4,
 * "detecting and rejecting duplicate requests". Oldest replies go first: a retry comes soon after
 * its request or not at all.
 */
export class ReplyCache {
  private readonly entries = new Map<string, Entry>();
  // Insertion order kept apart from the Map: evicting through a Map iterator walks over the
  // holes earlier deletions left, which made every insert O(n) once the cache was full.
  private order: string[] = [];
  private head = 0;
  private bytes = 0;

  constructor(private readonly limits: ReplyCacheLimits) {}

  get(id: string): Entry | undefined {
    return this.entries.get(id);
  }

  set(id: string, fingerprint: string, reply: WireReply): void {
    if (reply.length > this.limits.bytes || this.limits.entries === 0) return;
    const old = this.entries.get(id);
    if (old) this.bytes -= old.reply.length;
    else this.order.push(id);
    this.entries.set(id, { fingerprint, reply });
    this.bytes += reply.length;
    while (this.entries.size > this.limits.entries || this.bytes > this.limits.bytes) {
      const oldest = this.order[this.head++];
      const entry = this.entries.get(oldest);
      if (entry) {
        this.entries.delete(oldest);
        this.bytes -= entry.reply.length;
      }
    }
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * Identifies what a request asked for, so a reused id with different content is caught. Short
 * requests are their own fingerprint; hashing them would cost more than comparing them.
 */
export function requestFingerprint(method: string, params: unknown): string {
  const text = `${method}\0${JSON.stringify(params)}`;
  return text.length <= 256 ? text : createHash('sha1').update(text).digest('base64');
}
