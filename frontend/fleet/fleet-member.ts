import {
  HEARTBEAT_INTERVAL_MS,
  type CurveClientKeys,
  type DescribeResult,
  type Logger,
} from '../../protocol/index.js';
import { WorkerClient } from '../worker-client/index.js';

/** One worker as the frontend's config lists it. */
export interface WorkerEntry {
  /** Unique name, used in errors and in the fleet's health and worker_status. */
  name: string;
  /** Its request endpoint. */
  endpoint: string;
  /** Put before each of its tool names (`prefix_tool`); none keeps names as the worker has them. */
  prefix?: string;
  /** CURVE keys for a worker that requires them. */
  curve?: CurveClientKeys;
}

/** Per-worker client settings shared by every member. */
export interface MemberSettings {
  log: Logger;
  callSlackMs: number;
  idempotentRetries: number;
  maxSockets: number;
  /** Missing heartbeats for this long mark a worker down (default three heartbeat intervals). */
  livenessTimeoutMs?: number;
}

/**
 * One worker behind the frontend: its client, and whether it is up. A worker that stops sending
 * heartbeats (it died, its host or the network went away) is marked down at once — its calls
 * fail fast instead of each waiting out its deadline — and up again with its first heartbeat
 * (Paranoid Pirate's heartbeating, zguide ch. 4), after which its methods are re-read.
 */
export class FleetMember {
  readonly client: WorkerClient;
  private lastHeartbeat = 0;
  /** Reading the methods of a worker that answers again, before serving it. */
  private returning = false;
  private watchdog?: NodeJS.Timeout;
  private readonly livenessMs: number;
  private readonly changeListeners = new Set<() => void>();
  private up = false;

  constructor(
    readonly entry: WorkerEntry,
    private readonly settings: MemberSettings,
  ) {
    this.livenessMs = settings.livenessTimeoutMs ?? 3 * HEARTBEAT_INTERVAL_MS;
    this.client = new WorkerClient({
      endpoint: entry.endpoint,
      log: settings.log,
      slackMs: settings.callSlackMs,
      idempotentRetries: settings.idempotentRetries,
      maxSockets: settings.maxSockets,
      curve: entry.curve,
      label: `worker "${entry.name}" (${entry.endpoint})`,
    });
    this.client.onHeartbeat(() => {
      this.lastHeartbeat = Date.now();
      if (!this.up && this.client.described) this.markUp('heartbeats resumed');
    });
    this.client.onCatalogChange(() => this.changed());
  }

  get name(): string {
    return this.entry.name;
  }

  /** The last description, while the worker is up. */
  get described(): DescribeResult | undefined {
    return this.up ? this.client.described : undefined;
  }

  /** The last description even while down (its tools are then reported unavailable). */
  get lastDescribed(): DescribeResult | undefined {
    return this.client.described;
  }

  /** Why the worker's calls fail fast now; undefined while it is up. */
  get downReason(): string | undefined {
    if (this.up) return undefined;
    return this.client.downReason ?? 'not reached yet';
  }

  /** Resolves with the first description; keeps trying until `signal` aborts. */
  async connect(signal?: AbortSignal): Promise<DescribeResult> {
    const described = await this.client.waitForWorker({ signal });
    this.lastHeartbeat = Date.now();
    this.up = true;
    this.watchdog ??= setInterval(() => this.checkLiveness(), HEARTBEAT_INTERVAL_MS / 2);
    this.watchdog.unref();
    this.changed();
    return described;
  }

  /** Called when the member's methods or state change. */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /**
   * The launcher saw the process exit (`certain`: calls in flight end now), or heartbeats
   * stopped (calls in flight run on to their deadlines; new ones fail fast).
   */
  markDown(reason: string, certain = true): void {
    if (!this.up) return;
    this.up = false;
    this.settings.log.warn(`worker "${this.name}" is down; its tools fail fast until it is back`, {
      endpoint: this.entry.endpoint,
      reason,
    });
    this.client.markDown(reason, { interruptCalls: certain });
    this.changed();
  }

  /**
   * The worker answers again. It is served again once its methods are read afresh: a restarted
   * worker may serve others (a Tango bridge finds its devices again), and serving the list it had
   * before it died would offer tools it no longer has.
   */
  markUp(why: string): void {
    if (this.up || this.returning) return;
    this.returning = true;
    this.client.markUp();
    this.client
      .describe({ timeoutMs: 5000 })
      .then(
        () => {
          if (this.up) return;
          this.up = true;
          this.lastHeartbeat = Date.now();
          this.settings.log.info(`worker "${this.name}" is back`, {
            endpoint: this.entry.endpoint,
            why,
          });
          this.changed();
        },
        // Not answering after all: still down; the next heartbeat tries again.
        (err) =>
          this.settings.log.debug('a returning worker did not describe itself', {
            error: String(err),
          }),
      )
      .finally(() => (this.returning = false));
  }

  close(): void {
    clearInterval(this.watchdog);
    this.client.close();
  }

  private checkLiveness(): void {
    const silent = Date.now() - this.lastHeartbeat;
    if (this.up && silent > this.livenessMs) {
      this.markDown(`no heartbeat for ${(silent / 1000).toFixed(1)} s`, false);
    }
  }

  private changed(): void {
    for (const listener of this.changeListeners) listener();
  }
}
