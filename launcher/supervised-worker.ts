import { spawn, type ChildProcess } from 'node:child_process';
import { WorkerClient } from '../frontend/worker-client/index.js';
import type { CurveClientKeys, Logger } from '../protocol/index.js';

/** A worker process the launcher runs: the TypeScript worker or the Tango bridge. */
export interface WorkerProcessSpec {
  /** For logs: "worker", "tango bridge". */
  label: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Its request endpoint, probed with `health`. */
  endpoint: string;
  curve?: CurveClientKeys;
  /** Give it an IPC channel (Node children notice the launcher's death through it). */
  ipc: boolean;
}

/** Restart and start-up timing. */
export interface RestartPolicy {
  startupTimeoutMs: number;
  restartInitialDelayMs: number;
  restartMaxDelayMs: number;
}

/** A worker that stays up this long resets the restart back-off. */
const STABLE_AFTER_MS = 30_000;
/** How long a child gets after SIGTERM before SIGKILL. */
export const STOP_GRACE_MS = 10_000;

/**
 * One supervised worker process: started, probed until `health` answers, and restarted with
 * exponential back-off whenever it dies; `onState` hears each death and each healthy return.
 */
export class SupervisedWorker {
  private child?: ChildProcess;
  private restarts = 0;
  private stopping = false;
  private readonly probe: WorkerClient;

  constructor(
    readonly spec: WorkerProcessSpec,
    private readonly policy: RestartPolicy,
    private readonly log: Logger,
    private readonly onState: (state: 'down' | 'up', reason?: string) => void,
  ) {
    this.probe = new WorkerClient({
      endpoint: spec.endpoint,
      events: false,
      idempotentRetries: 0,
      curve: spec.curve,
    });
  }

  /** Starts it and resolves once it answers health; rejects when it never does. */
  async start(): Promise<void> {
    await this.waitHealthy(this.spawn());
  }

  /** SIGTERM, then SIGKILL after the grace period; no restart. */
  async stop(): Promise<void> {
    this.stopping = true;
    await stopChild(this.child);
    this.probe.close();
  }

  private spawn(): ChildProcess {
    const started = Date.now();
    const { spec } = this;
    // stdout goes to stderr too: the launcher's stdout may be the MCP wire.
    const child = spawn(spec.command, spec.args, {
      stdio: spec.ipc ? ['ignore', 2, 2, 'ipc'] : ['ignore', 2, 2],
      env: spec.env,
    });
    this.child = child;
    this.log.info(`${spec.label} started`, { pid: child.pid, endpoint: spec.endpoint });
    child.on('error', (err) =>
      this.log.error(`${spec.label} could not start`, { error: String(err) }),
    );
    child.on('exit', (code, signal) => {
      if (this.stopping || this.child !== child) return;
      const reason = signal ? `killed by ${signal}` : `exited with code ${code}`;
      if (Date.now() - started > STABLE_AFTER_MS) this.restarts = 0;
      this.restarts += 1;
      const delay = Math.min(
        this.policy.restartMaxDelayMs,
        this.policy.restartInitialDelayMs * 2 ** (this.restarts - 1),
      );
      this.log.error(`${spec.label} ${reason}; restarting in ${delay} ms`, {
        restart: this.restarts,
      });
      this.onState('down', `${spec.label} ${reason}, restart ${this.restarts}`);
      setTimeout(() => void this.restart(), delay);
    });
    return child;
  }

  private async restart(): Promise<void> {
    if (this.stopping) return;
    const child = this.spawn();
    try {
      await this.waitHealthy(child);
      this.log.info(`${this.spec.label} restarted and healthy`);
      this.onState('up');
    } catch (err) {
      // The exit handler schedules the next attempt when the child dies; a child that is alive
      // but never answers is killed so that it does.
      this.log.error(`restarted ${this.spec.label} is not healthy`, { error: String(err) });
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }

  private async waitHealthy(child: ChildProcess): Promise<void> {
    const until = Date.now() + this.policy.startupTimeoutMs;
    while (Date.now() < until) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `the ${this.spec.label} exited during start-up (${child.signalCode ?? `code ${child.exitCode}`})`,
        );
      }
      const reply = await this.probe.request('health', {}, { timeoutMs: 500 });
      if (reply.status === 'ok') return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(
      `the ${this.spec.label} did not answer health within ${this.policy.startupTimeoutMs} ms ` +
        `at ${this.spec.endpoint}`,
    );
  }
}

/** SIGTERM, then SIGKILL after the grace period; resolves when the child has exited. */
export function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
