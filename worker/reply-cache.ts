import { createHash } from 'node:crypto';

interface Entry {
  fingerprint: string;
  reply: string;
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
 * "detecting and rejecting duplicate requests". Least recently used entries go first.
 */
export class ReplyCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(private readonly limits: ReplyCacheLimits) {}

  get(id: string): Entry | undefined {
    const entry = this.entries.get(id);
    if (entry) {
      // Map keeps insertion order: re-inserting marks the entry as most recently used.
      this.entries.delete(id);
      this.entries.set(id, entry);
    }
    return entry;
  }

  set(id: string, fingerprint: string, reply: string): void {
    if (reply.length > this.limits.bytes) return;
    const old = this.entries.get(id);
    if (old) {
      this.bytes -= old.reply.length;
      this.entries.delete(id);
    }
    this.entries.set(id, { fingerprint, reply });
    this.bytes += reply.length;
    for (const [oldId, entry] of this.entries) {
      if (this.entries.size <= this.limits.entries && this.bytes <= this.limits.bytes) break;
      this.entries.delete(oldId);
      this.bytes -= entry.reply.length;
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Identifies what a request asked for, so a reused id with different content is caught. */
export function requestFingerprint(method: string, params: unknown): string {
  return createHash('sha1')
    .update(method)
    .update('\0')
    .update(JSON.stringify(params))
    .digest('base64');
}
