import { stopAllTool } from './stop-all-tool.js';
import type {
  Logger,
  MethodDescription,
  PromptSpec,
  ReplyEnvelope,
  ResourceSpec,
} from '../../protocol/index.js';
import type { RequestOptions } from '../worker-client/index.js';
import { FleetMember, type MemberSettings, type WorkerEntry } from './fleet-member.js';
import { SHARED_TOOLS, fleetTools, type FleetTool } from './fleet-tools.js';
import { collisionMessage, mergeCatalogs, type Collision } from './merge-catalog.js';

/** One MCP tool as the frontend serves it: its description and how a call reaches a worker. */
export interface ServedTool {
  method: MethodDescription;
  /** The worker that answers it, or null for the fleet's own tools (health over all workers). */
  worker: string | null;
  /** Its name on that worker (the listed name may carry the worker's prefix). */
  workerMethod?: string;
  call(params: Record<string, unknown>, options: RequestOptions): Promise<ReplyEnvelope>;
  /**
   * Relays a person's decision on an approval this tool's call waits for, to the worker that
   * holds it (see mcp/ask-approval.ts). Absent for the fleet's own tools.
   */
  decide?(params: Record<string, unknown>): Promise<ReplyEnvelope>;
}

/** Everything the frontend serves now. */
export interface FleetCatalog {
  tools: ServedTool[];
  /** Tool name → the error its calls get while its worker is down. */
  unavailable: Map<string, string>;
  prompts: PromptSpec[];
  resources: ResourceSpec[];
}

/** How long start-up waits for every worker before serving those that answered. */
const DEFAULT_STARTUP_WAIT_MS = 10_000;

/**
 * The workers behind one MCP endpoint. Their tools are served as one list; a worker that goes
 * away has its tools withdrawn (their calls fail fast, naming it) and restored when it returns.
 * Two workers offering one tool name stop start-up, unless one has a prefix.
 */
export class Fleet {
  readonly members: FleetMember[];
  private readonly shared: FleetTool[];
  private readonly listeners = new Set<(catalog: FleetCatalog) => void>();
  private readonly reported = new Set<string>();
  private current: FleetCatalog = {
    tools: [],
    unavailable: new Map(),
    prompts: [],
    resources: [],
  };
  private fingerprint = '';
  private readonly abort = new AbortController();
  private starting = true;

  constructor(
    entries: WorkerEntry[],
    settings: MemberSettings,
    private readonly log: Logger = settings.log,
  ) {
    if (entries.length === 0) throw new Error('the frontend needs at least one worker');
    this.members = entries.map((entry) => new FleetMember(entry, settings));
    this.shared = [
      ...(this.members.length > 1 ? fleetTools(this.members) : []),
      stopAllTool(this.members),
    ];
    for (const member of this.members) member.onChange(() => this.rebuild());
  }

  get catalog(): FleetCatalog {
    return this.current;
  }

  /**
   * Waits for the workers: all of them, or — after `waitMs` — at least one; the rest join when
   * they answer. Throws when the workers that answered offer one tool name twice.
   */
  async start(waitMs = DEFAULT_STARTUP_WAIT_MS): Promise<void> {
    const connections = this.members.map((m) =>
      m.connect(this.abort.signal).then(
        () => true,
        () => false,
      ),
    );
    const all = Promise.all(connections);
    const first = Promise.race(connections.map((c) => c.then((ok) => ok || new Promise(() => {}))));
    await Promise.race([all, first.then(() => delay(waitMs))]);
    const missing = this.members.filter((m) => !m.described);
    for (const m of missing) {
      this.log.warn(`worker "${m.name}" has not answered yet; its tools join when it does`, {
        endpoint: m.entry.endpoint,
      });
    }
    const collisions = this.rebuild();
    if (collisions.length > 0) throw new Error(collisionMessage(collisions));
    this.starting = false;
  }

  /** Called with the new catalog whenever a worker's tools or state change. */
  onChange(listener: (catalog: FleetCatalog) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The member serving `endpoint`, for the launcher's reports about processes it supervises. */
  memberAt(endpoint: string): FleetMember | undefined {
    return this.members.find((m) => m.entry.endpoint === endpoint);
  }

  close(): void {
    this.abort.abort();
    for (const member of this.members) member.close();
  }

  /** Recomputes the catalog; returns the collisions (reported once each after start-up). */
  private rebuild(): Collision[] {
    const merged = mergeCatalogs(
      this.members.map((m) => ({
        name: m.name,
        endpoint: m.entry.endpoint,
        prefix: m.entry.prefix,
        described: m.lastDescribed,
        downReason: m.downReason,
      })),
      this.members.length > 1 ? SHARED_TOOLS : new Set(),
    );
    if (!this.starting) {
      for (const c of merged.collisions) {
        const key = `${c.tool}:${c.second.worker}`;
        if (this.reported.has(key)) continue;
        this.reported.add(key);
        // Too late to refuse start-up: the first worker keeps the name, the other's is not served.
        this.log.error(collisionMessage([c]) + ` Serving worker "${c.first.worker}"'s.`);
      }
    }
    const byName = new Map(this.members.map((m) => [m.name, m]));
    const tools: ServedTool[] = [
      ...this.shared.map((t) => ({ method: t.method, worker: null, call: t.call })),
      ...merged.methods.map((routed) => {
        const client = byName.get(routed.worker)!.client;
        return {
          method: routed.method,
          worker: routed.worker,
          workerMethod: routed.workerMethod,
          call: (params: Record<string, unknown>, options: RequestOptions) =>
            client.request(routed.workerMethod, params, options),
          decide: (params: Record<string, unknown>) =>
            client.request('approval_decide', params, { timeoutMs: 5000 }),
        };
      }),
    ];
    const catalog: FleetCatalog = {
      tools,
      unavailable: merged.unavailable,
      prompts: merged.prompts,
      resources: merged.resources,
    };
    const fingerprint = JSON.stringify([
      tools.map((t) => [t.worker, t.method]),
      [...catalog.unavailable],
      catalog.prompts,
      catalog.resources,
    ]);
    if (fingerprint !== this.fingerprint) {
      this.fingerprint = fingerprint;
      this.current = catalog;
      for (const listener of this.listeners) listener(catalog);
    }
    return merged.collisions;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
