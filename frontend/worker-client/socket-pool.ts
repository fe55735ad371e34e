import { Request } from 'zeromq';
import { applyCurveClient, type CurveClientKeys } from '../../protocol/index.js';

/**
 * REQ sockets to one worker, reused across calls. A REQ socket carries one request at a time, so
 * concurrent calls each borrow their own; a socket whose exchange failed is closed, never reused
 * (Lazy Pirate: a REQ that timed out is stuck in the wrong state, and a late reply would be read
 * by the next call).
 */
export class SocketPool {
  private readonly idle: Request[] = [];
  private readonly waiters: Array<(socket: Request) => void> = [];
  private open = 0;
  private closed = false;

  constructor(
    private readonly endpoint: string,
    private readonly maxSockets: number,
    private readonly maxIdle = 64,
    private readonly curve?: CurveClientKeys,
  ) {}

  /** Borrows a socket at once if one is idle or may be opened; undefined otherwise. */
  tryAcquire(): Request | undefined {
    if (this.closed) return undefined;
    const socket = this.idle.pop();
    if (socket) return socket;
    if (this.open < this.maxSockets) return this.create();
    return undefined;
  }

  /** Borrows a socket, waiting for one to come back when all are in use. */
  acquire(): Promise<Request> {
    if (this.closed) return Promise.reject(new Error('worker client is closed'));
    const socket = this.tryAcquire();
    if (socket) return Promise.resolve(socket);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Returns a socket whose last exchange completed. */
  release(socket: Request): void {
    const waiter = this.waiters.shift();
    if (waiter) return waiter(socket);
    if (this.closed || this.idle.length >= this.maxIdle) return this.discard(socket);
    this.idle.push(socket);
  }

  /** Closes a socket whose exchange failed or was interrupted. */
  discard(socket: Request): void {
    if (!socket.closed) socket.close();
    this.open -= 1;
    const waiter = this.waiters.shift();
    if (waiter && !this.closed) waiter(this.create());
  }

  close(): void {
    this.closed = true;
    for (const socket of this.idle.splice(0)) socket.close();
  }

  private create(): Request {
    this.open += 1;
    // linger 0: a request queued for a dead worker must not keep the process from exiting.
    const socket = new Request({ linger: 0 });
    if (this.curve) applyCurveClient(socket, this.curve);
    socket.connect(this.endpoint);
    return socket;
  }
}
