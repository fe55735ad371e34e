import type { Logger } from '../protocol/index.js';
import type { OperationContext } from './handlers/types.js';

/** Where an operation's progress goes (the events publisher). */
export type ProgressSink = (id: string, progress: number, total?: number, message?: string) => void;

/** The OperationContext of one request. */
export class Operation implements OperationContext {
  constructor(
    readonly id: string,
    readonly method: string,
    readonly signal: AbortSignal,
    readonly log: Logger,
    private readonly sink: ProgressSink,
  ) {}

  progress(progress: number, total?: number, message?: string): void {
    this.sink(this.id, progress, total, message);
  }

  checkpoint(): void {
    if (this.signal.aborted) throw this.signal.reason;
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
