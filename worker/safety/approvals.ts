import { randomBytes } from 'node:crypto';
import { WorkerError, type ApprovalRecord, type Logger } from '../../protocol/index.js';
import type { SafetyJournal } from './safety-journal.js';

/** What a decision grants: the rules a person approved this exact call under. */
export interface ApprovalGrant {
  id: string;
  rules: Set<string>;
  by: string | null;
  via: string | null;
}

/** What a waiting call asks a person to approve. */
export interface ApprovalRequest {
  requestId: string;
  method: string;
  params: Record<string, unknown>;
  device: string | null;
  rules: Array<{ rule: string; message: string }>;
  summary: string;
}

interface Pending {
  record: ApprovalRecord;
  settle: (error: WorkerError | null) => void;
  timer: NodeJS.Timeout;
}

/** Crockford base32 without I, L, O, U: short ids a person reads off a screen and types. */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
/** Decided records kept for approvals_list (the audit log keeps them all). */
const KEEP_DECIDED = 200;

/**
 * The approval records, held by the worker: the authoritative answer to "did a person approve
 * this exact call?". Elicitation, the CLI and the console are windows onto them (an elicitation
 * accept is a person's answer relayed by a client; the record is what the gate trusts). A record
 * binds the request, its method and exact parameters, the device and the rules, and expires.
 */
export class ApprovalBook {
  private readonly pending = new Map<string, Pending>();
  private readonly decided: ApprovalRecord[] = [];

  constructor(
    readonly timeoutMs: number,
    private readonly journal: SafetyJournal,
    private readonly log: Logger,
  ) {}

  /**
   * Files a request and waits for its ending: resolves with the grant when a person approves,
   * throws APPROVAL_DENIED, APPROVAL_EXPIRED, or the signal's reason (cancel, stop_all).
   */
  async request(
    request: ApprovalRequest,
    signal: AbortSignal,
    onFiled: (record: ApprovalRecord) => void,
  ): Promise<ApprovalGrant> {
    signal.throwIfAborted();
    const now = Date.now();
    const record: ApprovalRecord = {
      id: this.newId(),
      request_id: request.requestId,
      method: request.method,
      params: request.params,
      device: request.device,
      rules: request.rules,
      summary: request.summary,
      status: 'pending',
      created_at: new Date(now).toISOString(),
      expires_at: new Date(now + this.timeoutMs).toISOString(),
      decided_at: null,
      decided_by: null,
      decided_via: null,
    };
    // The request is on record before anyone can see it: an approval that is not in the audit
    // log cannot be given.
    this.journal.record('approval_requested', { approval: record });
    const ended = new Promise<void>((resolve, reject) => {
      const onAbort = () =>
        this.end(record.id, 'cancelled', { by: null, via: null }, signal.reason as WorkerError);
      const timer = setTimeout(() => {
        this.end(record.id, 'expired', { by: null, via: 'timeout' }, expired(record));
      }, this.timeoutMs);
      timer.unref();
      signal.addEventListener('abort', onAbort, { once: true });
      this.pending.set(record.id, {
        record,
        timer,
        settle: (error) => {
          signal.removeEventListener('abort', onAbort);
          if (error) reject(error);
          else resolve();
        },
      });
    });
    this.journal.publishApproval(record);
    onFiled(record);
    await ended;
    const decided = this.decided.find((r) => r.id === record.id) ?? record;
    return {
      id: record.id,
      rules: new Set(record.rules.map((r) => r.rule)),
      by: decided.decided_by,
      via: decided.decided_via,
    };
  }

  /** A person's decision; the waiting call runs or fails APPROVAL_DENIED. */
  decide(id: string, decision: 'approve' | 'deny', by: string, via: string): ApprovalRecord {
    const key = id.trim().toLowerCase();
    const entry = this.pending.get(key);
    if (!entry) {
      const done = this.decided.find((r) => r.id === key);
      throw new WorkerError(
        'INVALID_PARAMS',
        done
          ? `approval ${key} is already ${done.status}` +
              (done.decided_by ? ` (by ${done.decided_by} via ${done.decided_via})` : '')
          : `no approval ${key}; pending: ${[...this.pending.keys()].join(', ') || 'none'}`,
        { path: ['params', 'id'], value: id },
      );
    }
    if (decision === 'approve') this.end(key, 'approved', { by, via }, null);
    else {
      const error = new WorkerError(
        'APPROVAL_DENIED',
        `${entry.record.method} was not run: ${by} denied approval ${key} via ${via} ` +
          `(${entry.record.rules.map((r) => r.rule).join(', ')}); nothing was sent`,
        { approval: key, by, via },
      );
      this.end(key, 'denied', { by, via }, error);
    }
    return this.decided.find((r) => r.id === key)!;
  }

  /** Ends every pending approval as cancelled (stop_all); returns how many. */
  cancelAll(reason: string): number {
    const ids = [...this.pending.keys()];
    for (const id of ids) {
      const method = this.pending.get(id)!.record.method;
      this.end(
        id,
        'cancelled',
        { by: null, via: null },
        new WorkerError('CANCELLED', `${method} was not run: ${reason}`, { approval: id }),
      );
    }
    return ids.length;
  }

  list(includeDecided: boolean): ApprovalRecord[] {
    const pending = [...this.pending.values()].map((p) => p.record);
    return includeDecided ? [...pending, ...[...this.decided].reverse()] : pending;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  private end(
    id: string,
    status: ApprovalRecord['status'],
    who: { by: string | null; via: string | null },
    error: WorkerError | null,
  ): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    clearTimeout(entry.timer);
    const record: ApprovalRecord = {
      ...entry.record,
      status,
      decided_at: new Date().toISOString(),
      decided_by: who.by,
      decided_via: who.via,
    };
    this.decided.push(record);
    if (this.decided.length > KEEP_DECIDED) this.decided.shift();
    try {
      this.journal.record(`approval_${status}`, { approval: record });
    } catch (err) {
      // Nothing runs unrecorded: an approval whose decision cannot be logged does not count.
      if (status === 'approved') {
        error = new WorkerError(
          'UNAVAILABLE',
          `approval ${id} could not be recorded in the audit log (${String(err)}); not run`,
        );
      }
      this.log.error('audit log write failed', { event: `approval_${status}`, error: String(err) });
    }
    this.journal.publishApproval(record);
    entry.settle(error);
  }

  private newId(): string {
    for (;;) {
      const id = [...randomBytes(6)].map((b) => ALPHABET[b & 31]).join('');
      if (!this.pending.has(id) && !this.decided.some((r) => r.id === id)) return id;
    }
  }
}

function expired(record: ApprovalRecord): WorkerError {
  return new WorkerError(
    'APPROVAL_EXPIRED',
    `${record.method} was not run: no person approved ${record.id} before it expired at ` +
      `${record.expires_at}; nothing was sent`,
    { approval: record.id },
  );
}
