import type { Logger } from '../../protocol/index.js';

type Frames = Array<string | Uint8Array>;

/**
 * Queues sends on one ZeroMQ socket: zeromq.js allows a single send in progress per socket and
 * rejects a second with EBUSY, while replies finish in any order.
 */
export class SerialSender {
  private readonly pending: Frames[] = [];
  private draining = false;

  constructor(
    private readonly socket: { send(frames: Frames): Promise<void>; readonly closed: boolean },
    private readonly log: Logger,
    private readonly what: string,
  ) {}

  push(frames: Frames): void {
    this.pending.push(frames);
    if (!this.draining) void this.drain();
  }

  /** Resolves once every queued message has been handed to the socket. */
  async flushed(): Promise<void> {
    while (this.draining && !this.socket.closed) await new Promise((r) => setTimeout(r, 5));
  }

  private async drain(): Promise<void> {
    this.draining = true;
    while (this.pending.length > 0 && !this.socket.closed) {
      const frames = this.pending.shift()!;
      try {
        await this.socket.send(frames);
      } catch (err) {
        if (!this.socket.closed) this.log.warn(`${this.what}: send failed`, { error: String(err) });
      }
    }
    this.draining = false;
  }
}
