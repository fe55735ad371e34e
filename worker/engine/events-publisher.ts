import { Publisher } from 'zeromq';
import { SerialSender } from './serial-sender.js';
import {
  APPROVALS_TOPIC,
  AUDIT_TOPIC,
  CATALOG_TOPIC,
  LAB_TOPIC,
  type ApprovalRecord,
  type LabState,
  HEARTBEAT_INTERVAL_MS,
  HEARTBEAT_TOPIC,
  applyCurveServer,
  type CurveServerKeys,
  type Logger,
  type WorkerEvent,
} from '../../protocol/index.js';

/**
 * The worker's PUB socket: progress keyed by request id, a heartbeat every second carrying the
 * boot id and catalog hash, and an immediate message when the methods change. PUB never blocks
 * the worker: a subscriber that cannot keep up loses messages at the high-water mark.
 */
export class EventsPublisher {
  private readonly socket = new Publisher({ linger: 0, sendHighWaterMark: 10_000 });
  private readonly sender: SerialSender;
  private heartbeat?: NodeJS.Timeout;

  constructor(
    log: Logger,
    private readonly identity: () => { boot_id: string; catalog_hash: string },
    curve?: CurveServerKeys,
  ) {
    // Progress and heartbeats name requests and devices: encrypted like the requests themselves.
    if (curve) applyCurveServer(this.socket, curve);
    this.sender = new SerialSender(this.socket, log, 'events');
  }

  async bind(endpoint: string): Promise<void> {
    await this.socket.bind(endpoint);
    this.heartbeat = setInterval(() => this.publishHeartbeat(), HEARTBEAT_INTERVAL_MS);
    this.heartbeat.unref();
    this.publishHeartbeat();
  }

  progress(
    id: string,
    progress: number,
    total?: number,
    message?: string,
    approval?: ApprovalRecord,
  ): void {
    const event: WorkerEvent = { type: 'progress', id, progress };
    if (total !== undefined) event.total = total;
    if (message !== undefined) event.message = message;
    if (approval !== undefined) event.approval = approval;
    this.publish(id, event);
  }

  /** The operation `id` reported its last progress; its reply follows (same topic, in order). */
  progressEnd(id: string): void {
    this.publish(id, { type: 'progress_end', id });
  }

  approval(approval: ApprovalRecord): void {
    this.publish(APPROVALS_TOPIC, { type: 'approval', approval });
  }

  lab(lab: LabState): void {
    this.publish(LAB_TOPIC, { type: 'lab_state', lab });
  }

  /** One audit line as written: spliced as it is, not parsed and serialised again. */
  auditLine(line: string): void {
    this.sender.push([AUDIT_TOPIC, `{"type":"audit","record":${line}}`]);
  }

  catalogChanged(): void {
    this.publish(CATALOG_TOPIC, { type: 'catalog_changed', ...this.identity() });
  }

  close(): void {
    clearInterval(this.heartbeat);
    this.socket.close();
  }

  private publishHeartbeat(): void {
    this.publish(HEARTBEAT_TOPIC, {
      type: 'heartbeat',
      ...this.identity(),
      pid: process.pid,
      time: new Date().toISOString(),
    });
  }

  private publish(topic: string, event: WorkerEvent): void {
    this.sender.push([topic, JSON.stringify(event)]);
  }
}
