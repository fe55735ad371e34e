import type {
  ApprovalRecord,
  DeviceDescription,
  LabState,
  Logger,
  WorkerEvent,
} from '../../protocol/index.js';
import type { Fleet } from '../fleet/fleet.js';
import type { FleetMember } from '../fleet/fleet-member.js';
import type { CallLabels } from '../mcp/call-labels.js';

/** One event for the page: an SSE event name and its JSON data. */
export interface ConsoleEvent {
  name: 'snapshot' | 'operation' | 'audit_event' | 'approval' | 'lab' | 'workers' | 'devices';
  data: unknown;
}

type Record_ = Record<string, unknown>;

/** Operations kept for a page that (re)connects; the audit log keeps them all. */
const KEEP_OPERATIONS = 5000;
const SNAPSHOT_OPERATIONS = 1000;
/** A request the frontend did not send came from a bench script or another client of the worker. */
const DIRECT = 'bench script (direct to the worker)';

/**
 * What the supervisor console shows, kept up to date from every worker's events: the audit
 * lines as they are written (operations, approvals, stops, locks), approvals, the lab's state,
 * heartbeats and the devices. A page gets a snapshot when it connects, then the events; the hub
 * never waits for a page (see console-events.ts for the bounded fan-out).
 */
export class ConsoleHub {
  private readonly operations: Record_[] = [];
  /** Approvals, stops, locks and resumes: the audit log's event lines. */
  private readonly auditEvents: Record_[] = [];
  private readonly approvals = new Map<string, Record_>();
  private readonly labs = new Map<string, LabState>();
  private readonly heartbeats = new Map<string, number>();
  private readonly listeners = new Set<(event: ConsoleEvent) => void>();
  private readonly detach: Array<() => void> = [];
  private ticker?: NodeJS.Timeout;

  constructor(
    private readonly fleet: Fleet,
    private readonly labels: CallLabels,
    private readonly log: Logger,
  ) {}

  /** Loads history from each worker's audit log, then follows the events. */
  async start(): Promise<void> {
    for (const member of this.fleet.members) {
      this.detach.push(member.client.onEvent((e) => this.onWorkerEvent(member, e)));
      this.detach.push(
        member.client.onHeartbeat(() => this.heartbeats.set(member.name, Date.now())),
      );
    }
    this.detach.push(
      this.fleet.onChange(() => {
        this.emit({ name: 'devices', data: this.devices() });
        void this.refreshState();
      }),
    );
    await Promise.all(this.fleet.members.map((m) => this.loadHistory(m)));
    await this.refreshState();
    this.ticker = setInterval(() => this.emit({ name: 'workers', data: this.workers() }), 1000);
    this.ticker.unref();
  }

  close(): void {
    clearInterval(this.ticker);
    for (const d of this.detach.splice(0)) d();
    this.listeners.clear();
  }

  /** Everything a page needs to draw itself from nothing. */
  snapshot(): ConsoleEvent {
    return {
      name: 'snapshot',
      data: {
        workers: this.workers(),
        devices: this.devices(),
        approvals: [...this.approvals.values()].filter((a) => a.status === 'pending'),
        operations: this.operations.slice(-SNAPSHOT_OPERATIONS),
        audit_events: this.auditEvents.slice(-SNAPSHOT_OPERATIONS),
        readings: {},
      },
    };
  }

  subscribe(listener: (event: ConsoleEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The member named `worker`, for the controls. */
  member(worker: string): FleetMember | undefined {
    return this.fleet.members.find((m) => m.name === worker);
  }

  get members(): FleetMember[] {
    return this.fleet.members;
  }

  private workers() {
    const now = Date.now();
    return this.fleet.members.map((m) => {
      const beat = this.heartbeats.get(m.name);
      const reason = m.downReason;
      return {
        name: m.name,
        endpoint: m.entry.endpoint,
        state: reason === undefined ? 'up' : 'down',
        ...(reason === undefined ? {} : { reason }),
        heartbeat_age_ms: beat === undefined ? null : now - beat,
        lab: this.labs.get(m.name) ?? null,
      };
    });
  }

  private devices(): Array<DeviceDescription & { worker: string }> {
    return this.fleet.members.flatMap((m) =>
      (m.described?.devices ?? []).map((d) => ({ ...d, worker: m.name })),
    );
  }

  private onWorkerEvent(member: FleetMember, event: WorkerEvent): void {
    if (event.type === 'audit') this.onAuditLine(member.name, event.record, true);
    else if (event.type === 'approval') this.onApproval(member.name, event.approval);
    else if (event.type === 'lab_state') this.onLab(member.name, event.lab);
  }

  private onAuditLine(worker: string, record: Record_, live: boolean): void {
    if (typeof record.event === 'string') {
      // An approval in an audit line is the worker's record; the page keys them by worker too.
      const approval = record.approval as Record_ | undefined;
      const event = {
        worker,
        ...record,
        ...(approval ? { approval: { worker, ...approval } } : {}),
      };
      this.auditEvents.push(event);
      if (this.auditEvents.length > KEEP_OPERATIONS) this.auditEvents.shift();
      if (live) this.emit({ name: 'audit_event', data: event });
      return;
    }
    if (typeof record.id !== 'string' || typeof record.method !== 'string') return;
    const op = {
      worker,
      ...record,
      // A large result is summarised in the log; the files it named still reach the page.
      ...(record.result === undefined && record.result_paths
        ? { result: unflatten(record.result_paths) }
        : {}),
      client: this.labels.get(record.id) ?? DIRECT,
    };
    this.keep(op);
    if (live) this.emit({ name: 'operation', data: op });
  }

  private keep(op: Record_): void {
    this.operations.push(op);
    if (this.operations.length > KEEP_OPERATIONS) {
      this.operations.splice(0, this.operations.length - KEEP_OPERATIONS);
    }
  }

  private onApproval(worker: string, approval: ApprovalRecord): void {
    const record = { worker, ...approval };
    const key = `${worker}/${approval.id}`;
    if (approval.status === 'pending') this.approvals.set(key, record);
    else this.approvals.delete(key);
    this.emit({ name: 'approval', data: record });
  }

  private onLab(worker: string, lab: LabState): void {
    this.labs.set(worker, lab);
    this.emit({ name: 'lab', data: { worker, lab } });
  }

  /** The audit log's recent lines; a worker without audit_tail (an older one) has none. */
  private async loadHistory(member: FleetMember): Promise<void> {
    if (!member.described?.methods.some((m) => m.name === 'audit_tail')) return;
    const reply = await member.client.request(
      'audit_tail',
      { limit: SNAPSHOT_OPERATIONS },
      {
        timeoutMs: 10_000,
      },
    );
    if (reply.status === 'error') {
      this.log.warn('console: no history from a worker', {
        worker: member.name,
        error: reply.error,
      });
      return;
    }
    for (const record of (reply.result as { records: Record_[] }).records) {
      this.onAuditLine(member.name, record, false);
    }
  }

  /** Pending approvals and the lab's state, asked again (at start, after a worker came back). */
  private async refreshState(): Promise<void> {
    await Promise.all(
      this.fleet.members.map(async (member) => {
        const served = new Set(member.described?.methods.map((m) => m.name) ?? []);
        if (served.has('lab_state')) {
          const lab = await member.client.request('lab_state', {}, { timeoutMs: 5000 });
          if (lab.status === 'ok') this.onLab(member.name, lab.result as LabState);
        }
        if (served.has('approvals_list')) {
          const list = await member.client.request('approvals_list', {}, { timeoutMs: 5000 });
          if (list.status !== 'ok') return;
          for (const key of [...this.approvals.keys()]) {
            if (key.startsWith(`${member.name}/`)) this.approvals.delete(key);
          }
          for (const a of (list.result as { approvals: ApprovalRecord[] }).approvals) {
            this.onApproval(member.name, a);
          }
        }
      }),
    );
  }

  private emit(event: ConsoleEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.log.warn('console: a page listener failed', { error: String(err) });
      }
    }
  }
}

/** `{"image_info.metadata_path": p}` → `{image_info: {metadata_path: p}}`, as the result had it. */
function unflatten(paths: unknown): Record_ {
  const out: Record_ = {};
  for (const [key, value] of Object.entries(paths as Record<string, string>)) {
    const [outer, inner] = key.split('.');
    if (inner === undefined) out[outer] = value;
    else out[outer] = { ...((out[outer] as Record_ | undefined) ?? {}), [inner]: value };
  }
  return out;
}
