import { Subscriber } from 'zeromq';
import {
  applyCurveClient,
  WorkerEventSchema,
  type CurveClientKeys,
  type HeartbeatEvent,
  type Logger,
  type ProgressEvent,
  type WorkerEvent,
} from '../../protocol/index.js';

/**
 * Listens to a worker's PUB socket: routes progress to the call that waits for it and tells the
 * owner about heartbeats and catalog changes. Subscribes to everything, so no per-call
 * subscription can arrive after the first progress message (the PUB/SUB slow-joiner problem).
 */
export class EventsSubscriber {
  private readonly socket = new Subscriber({ linger: 0 });
  private readonly progress = new Map<
    string,
    { onProgress: (event: ProgressEvent) => void; onEnd: () => void }
  >();
  private readonly listeners = new Set<(event: WorkerEvent) => void>();
  private loop?: Promise<void>;
  private connectedTo?: string;

  constructor(
    private readonly log: Logger,
    private readonly onHeartbeat: (event: HeartbeatEvent) => void,
    private readonly onCatalogChanged: (hash: string) => void,
    curve?: CurveClientKeys,
  ) {
    if (curve) applyCurveClient(this.socket, curve);
    this.socket.subscribe();
  }

  /** Connects (once) to the events endpoint `describe` reported. */
  connect(endpoint: string): void {
    if (this.connectedTo === endpoint) return;
    if (this.connectedTo) this.socket.disconnect(this.connectedTo);
    this.socket.connect(endpoint);
    this.connectedTo = endpoint;
    this.loop ??= this.receive();
  }

  /**
   * Routes progress for `id` to `onProgress`, and its progress_end to `onEnd`, until the
   * returned function is called.
   */
  onProgress(
    id: string,
    onProgress: (event: ProgressEvent) => void,
    onEnd: () => void = () => {},
  ): () => void {
    this.progress.set(id, { onProgress, onEnd });
    return () => this.progress.delete(id);
  }

  /** Told of the worker's other events: audit lines, approvals, the lab's state. */
  onEvent(listener: (event: WorkerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.socket.close();
  }

  private async receive(): Promise<void> {
    try {
      for await (const [, body] of this.socket) {
        let event: WorkerEvent;
        try {
          const value = JSON.parse(body.toString('utf8'));
          // Audit lines come at the rate of operations and only need their shape: a full
          // schema parse of each would cost more than the rest of the receive path.
          event =
            value?.type === 'audit' && typeof value.record === 'object' && value.record !== null
              ? value
              : WorkerEventSchema.parse(value);
        } catch {
          this.log.warn('events: ignoring a message that is not a worker event');
          continue;
        }
        if (event.type === 'progress') this.progress.get(event.id)?.onProgress(event);
        else if (event.type === 'progress_end') this.progress.get(event.id)?.onEnd();
        else if (event.type === 'heartbeat') this.onHeartbeat(event);
        else if (event.type === 'catalog_changed') this.onCatalogChanged(event.catalog_hash);
        else for (const listener of this.listeners) listener(event);
      }
    } catch (err) {
      if (!this.socket.closed) this.log.error('events: receive loop ended', { error: String(err) });
    }
  }
}
