import { Router } from 'zeromq';
import { applyCurveServer, type CurveServerKeys, type Logger } from '../../protocol/index.js';
import type { Dispatcher } from './dispatcher.js';
import { SerialSender } from './serial-sender.js';

const EMPTY = new Uint8Array(0);

/**
 * The worker's request socket. A ROUTER rather than a REP, because REP serves one request at a
 * time and a long acquisition would then block `health` and `cancel`; REQ and DEALER clients talk
 * to a ROUTER unchanged (zguide ch. 3, "the extended reply envelope"). Each request is handed to
 * the dispatcher at once and its reply goes back under the same routing prefix when it is ready.
 *
 *   REQ    → ROUTER: [identity, "", request]    ROUTER → REQ:    [identity, "", reply]
 *   DEALER → ROUTER: [identity, request]        ROUTER → DEALER: [identity, reply]
 */
export class RouterServer {
  // linger lets replies already queued at shutdown reach their clients.
  private readonly socket = new Router({ linger: 1000, sendHighWaterMark: 100_000 });
  private readonly sender: SerialSender;
  private loop?: Promise<void>;

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly log: Logger,
    curve?: CurveServerKeys,
  ) {
    if (curve) applyCurveServer(this.socket, curve);
    this.sender = new SerialSender(this.socket, log, 'router');
  }

  async bind(endpoint: string): Promise<void> {
    await this.socket.bind(endpoint);
    this.loop = this.serve();
  }

  /** Stops reading requests and closes the socket after replies in flight have been sent. */
  async close(): Promise<void> {
    await this.sender.flushed();
    this.socket.close();
    await this.loop;
  }

  private async serve(): Promise<void> {
    try {
      for await (const frames of this.socket) {
        const { prefix, payload } = splitRouting(frames);
        // Encoded here rather than by zeromq.js, whose string path is ~4× slower on large replies;
        // a large result comes already written as bytes (SplicedJson.toBuffer).
        void this.dispatcher
          .handle(payload)
          .then((reply) =>
            this.sender.push([...prefix, typeof reply === 'string' ? Buffer.from(reply) : reply]),
          );
      }
    } catch (err) {
      if (!this.socket.closed) this.log.error('router: receive loop ended', { error: String(err) });
    }
  }
}

/** Separates the routing prefix a ROUTER socket adds from the request frame. */
export function splitRouting(frames: Buffer[]): { prefix: Buffer[]; payload: Uint8Array } {
  if (frames.length >= 3 && frames[1].length === 0) {
    return { prefix: frames.slice(0, 2), payload: frames[2] };
  }
  return { prefix: frames.slice(0, 1), payload: frames[1] ?? EMPTY };
}
