import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SplicedJson } from '../../protocol/index.js';

/** One line of the audit log. */
export interface AuditRecord {
  time: string;
  id: string;
  method: string;
  resource: string | null;
  /** The device it acted on, when its module says (a GPIB instrument, a Tango device). */
  device?: string;
  params: unknown;
  outcome: 'ok' | 'error' | 'started';
  /** The operation's client was answered TIMEOUT earlier; this is how it really ended. */
  after_timeout?: boolean;
  /** A governed write: the commands sent, the values read back, the approval it ran under. */
  write?: unknown;
  /** For a result too large to inline: the files it names (`*_path`), by key. */
  result_paths?: Record<string, string>;
  code?: string;
  error?: string;
  /** The result when its JSON is small; large results are summarised by size. */
  result?: unknown;
  result_bytes?: number;
  queued_ms: number;
  duration_ms: number;
}

/** Results up to this size go into the log whole. */
export const INLINE_RESULT_BYTES = 4096;

/**
 * The audit log: one JSON line per operation that reached (or was refused at) a device, written
 * with a synchronous write before the reply is sent. A write goes to the kernel at once, so a
 * crash of the worker loses nothing already answered; `fsync` also survives a power cut, at the
 * cost of a disk flush per operation.
 */
export class AuditLog {
  private fd: number | null;
  private closed = false;
  /** Told of every line once it is written (the events socket: a supervisor's live view). */
  onLine?: (line: string) => void;

  /** `path` null: no file (audit_log: false); the lines are still told to `onLine`. */
  constructor(
    readonly path: string | null,
    private readonly fsync: boolean,
  ) {
    if (path === null) {
      this.fd = null;
      return;
    }
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a', 0o640);
  }

  /** Whether a file is kept (audit_log not false). */
  get keepsFile(): boolean {
    return this.path !== null;
  }

  write(record: Omit<AuditRecord, 'result' | 'result_bytes'>, resultJson?: SplicedJson): void {
    if (this.closed) return;
    let line = JSON.stringify(record);
    if (resultJson !== undefined) {
      const tail =
        resultJson.length <= INLINE_RESULT_BYTES
          ? `,"result":${resultJson}}`
          : `,"result_bytes":${resultJson.byteLength}}`;
      line = line.slice(0, -1) + tail;
    }
    this.append(line);
  }

  /**
   * A safety event: an approval asked for or decided, a stop, a lock, a resume. Throws when the
   * line cannot be written; a write whose line is lost must not happen (fail closed).
   */
  event(record: { event: string } & Record<string, unknown>): void {
    if (this.closed) throw new Error('the audit log is closed');
    this.append(JSON.stringify({ time: new Date().toISOString(), ...record }));
  }

  /** Writes a line or throws (see `event`): the line a write needs before it runs. */
  writeOrThrow(record: Omit<AuditRecord, 'result' | 'result_bytes'>): void {
    if (this.closed) throw new Error('the audit log is closed');
    this.write(record);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    this.closed = true;
  }

  private append(line: string): void {
    if (this.fd !== null) {
      writeSync(this.fd, line + '\n');
      if (this.fsync) fsyncSync(this.fd);
    }
    this.onLine?.(line);
  }
}
