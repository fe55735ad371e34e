import { WorkerError } from '../../protocol/index.js';

interface Waiter {
  grant: () => void;
  fail: (err: unknown) => void;
}

interface Lane {
  busy: boolean;
  holder: string;
  waiters: Waiter[];
}

/** Releases a resource; calling it twice is harmless. */
export type Release = () => void;

/**
 * One FIFO mutex per resource name: operations on one device run one at a time in arrival
 * order, operations on different devices run concurrently.
 */
export class ResourceQueue {
  private readonly lanes = new Map<string, Lane>();

  /**
   * Waits for the resource. Rejects with BUSY when it is not granted within `timeoutMs`, or with
   * the signal's reason when the operation is cancelled while it waits.
   */
  acquire(
    resource: string,
    holder: string,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<Release> {
    let lane = this.lanes.get(resource);
    if (!lane) {
      lane = { busy: false, holder: '', waiters: [] };
      this.lanes.set(resource, lane);
    }
    if (!lane.busy) {
      lane.busy = true;
      lane.holder = holder;
      return Promise.resolve(this.releaser(resource, lane));
    }
    if (signal.aborted) return Promise.reject(signal.reason);
    const current = lane;
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          cleanup();
          current.holder = holder;
          resolve(this.releaser(resource, current));
        },
        fail: (err) => {
          cleanup();
          const i = current.waiters.indexOf(waiter);
          if (i >= 0) current.waiters.splice(i, 1);
          reject(err);
        },
      };
      const onAbort = () => waiter.fail(signal.reason);
      const timer = setTimeout(
        () =>
          waiter.fail(
            new WorkerError(
              'BUSY',
              `${resource} stayed busy for ${timeoutMs} ms (running: ${current.holder}; ` +
                `${current.waiters.length} waiting); the operation was not started`,
              { resource, queue_timeout_ms: timeoutMs },
            ),
          ),
        timeoutMs,
      );
      const cleanup = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      current.waiters.push(waiter);
    });
  }

  /** Operations waiting per resource, for status reports. */
  depths(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, lane] of this.lanes) out[name] = lane.waiters.length;
    return out;
  }

  private releaser(resource: string, lane: Lane): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = lane.waiters.shift();
      if (next) {
        next.grant();
      } else {
        lane.busy = false;
        this.lanes.delete(resource);
      }
    };
  }
}
