import type { ApprovalRecord, Logger } from '../../protocol/index.js';
import type { OperationContext } from './method-module.js';

/** Where an operation's progress goes (the events publisher). */
export type ProgressSink = (
  id: string,
  progress: number,
  total?: number,
  message?: string,
  approval?: ApprovalRecord,
) => void;

/**
 * An abort signal made only when someone asks for it. Most operations (health, a quick query)
 * end without ever listening for an abort, and creating an AbortSignal costs more than the rest
 * of such a request; cancel and deadlines still work, because the reason is kept.
 */
export class LazyAbort {
  private controller?: AbortController;
  private abortReason?: unknown;
  aborted = false;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  get reason(): unknown {
    return this.abortReason;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }
}

/** The OperationContext of one request. */
export class Operation implements OperationContext {
  constructor(
    readonly id: string,
    readonly method: string,
    private readonly abort: LazyAbort,
    readonly log: Logger,
    private readonly sink: ProgressSink,
  ) {}

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  progress(progress: number, total?: number, message?: string, approval?: ApprovalRecord): void {
    this.sink(this.id, progress, total, message, approval);
  }

  checkpoint(): void {
    if (this.abort.aborted) throw this.abort.reason;
  }

  sleep(ms: number): Promise<void> {
    return abortableSleep(ms, this.signal);
  }
}

/** setTimeout as a promise that rejects with the signal's reason when it aborts. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
