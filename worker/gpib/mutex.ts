/**
 * A FIFO lock: one transaction at a time per bridge, in arrival order. The dispatcher already
 * serializes methods per bridge; this lock also covers what the dispatcher does not see —
 * reconnects and their init sequence, and SRQ waits that poll between other calls.
 */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  /** Runs `fn` when every earlier holder has finished. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise((resolve) => (release = resolve));
    await previous;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
