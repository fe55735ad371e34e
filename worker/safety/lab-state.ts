import { WorkerError, type LabState, type Logger } from '../../protocol/index.js';
import type { PolicyConfig } from './policy-config.js';
import type { SafetyJournal } from './safety-journal.js';

interface Holder {
  state: 'stopped' | 'locked';
  since: string;
  by: string;
  via: string;
  reason: string | null;
}

/**
 * Whether the lab takes writes: running, stopped (stop_all: until a person resumes) or locked
 * (Bluesky Queue Server's lock: someone is in the hutch, keep automated agents out). A stop
 * always wins over a lock; only resume ends either.
 */
export class LabControl {
  private holder: Holder | null = null;

  constructor(
    private readonly policy: PolicyConfig,
    private readonly journal: SafetyJournal,
    private readonly pendingApprovals: () => number,
    private readonly log: Logger,
  ) {}

  state(): LabState {
    const h = this.holder;
    return {
      state: h?.state ?? 'running',
      since: h?.since ?? null,
      by: h?.by ?? null,
      via: h?.via ?? null,
      reason: h?.reason ?? null,
      writes: this.policy.writes,
      pending_approvals: this.pendingApprovals(),
    };
  }

  /** Throws LAB_STOPPED or LAB_LOCKED when writes are held. */
  assertWritable(method: string): void {
    const h = this.holder;
    if (!h) return;
    const who = `by ${h.by} via ${h.via} at ${h.since}${h.reason ? `: ${h.reason}` : ''}`;
    if (h.state === 'stopped') {
      throw new WorkerError(
        'LAB_STOPPED',
        `${method} was not run: the lab was stopped ${who}. Writes are refused until a person ` +
          'resumes it (labrelay resume); reads work',
        { by: h.by, since: h.since },
      );
    }
    throw new WorkerError(
      'LAB_LOCKED',
      `${method} was not run: the lab is locked ${who}. Writes are refused until a person ` +
        'unlocks it (labrelay resume); reads work',
      { by: h.by, since: h.since },
    );
  }

  /**
   * Stops the lab. Never throws: the state changes first, whatever the audit log or the events
   * socket do — stopping must not have a failure mode.
   */
  stop(by: string, via: string, reason: string | null): LabState {
    this.holder = { state: 'stopped', since: new Date().toISOString(), by, via, reason };
    this.announce('stop', reason);
    return this.state();
  }

  lock(by: string, via: string, reason: string): LabState {
    if (this.holder?.state === 'stopped') {
      throw new WorkerError(
        'LAB_STOPPED',
        'the lab is stopped; a lock would not hold it more (resume ends the stop)',
      );
    }
    this.holder = { state: 'locked', since: new Date().toISOString(), by, via, reason };
    this.announce('lock', reason);
    return this.state();
  }

  resume(by: string, via: string): LabState {
    const was = this.holder?.state ?? 'running';
    this.holder = null;
    this.announce('resume', null, { by, via, was });
    return this.state();
  }

  private announce(
    event: string,
    reason: string | null,
    extra: Record<string, unknown> = {},
  ): void {
    const state = this.state();
    try {
      this.journal.record(event, { by: state.by, via: state.via, reason, ...extra });
    } catch (err) {
      this.log.error(`audit log write failed (${event})`, { error: String(err) });
    }
    this.journal.publishLab(state);
    this.log.warn(`lab ${event}`, {
      by: state.by ?? extra.by,
      via: state.via ?? extra.via,
      reason,
    });
  }
}
