import type { ApprovalRecord, LabState, Logger } from '../../protocol/index.js';
import type { AuditLog } from '../engine/audit-log.js';

/** Where safety events go besides the audit log: the events socket, for clients and consoles. */
export interface SafetyEvents {
  approval(record: ApprovalRecord): void;
  lab(state: LabState): void;
}

/**
 * The safety events' two destinations: the audit log, which must take the line (a decision that
 * cannot be recorded does not count), and the events socket, which may drop it.
 */
export class SafetyJournal {
  constructor(
    private readonly audit: AuditLog | null,
    private readonly events: SafetyEvents | null,
    private readonly log: Logger,
  ) {}

  /** Writes an audit line; throws when it cannot be written. */
  record(event: string, fields: Record<string, unknown>): void {
    this.audit?.event({ event, ...fields });
  }

  publishApproval(record: ApprovalRecord): void {
    this.quietly(() => this.events?.approval(record));
  }

  publishLab(state: LabState): void {
    this.quietly(() => this.events?.lab(state));
  }

  private quietly(publish: () => void): void {
    try {
      publish();
    } catch (err) {
      this.log.warn('a safety event could not be published', { error: String(err) });
    }
  }
}
