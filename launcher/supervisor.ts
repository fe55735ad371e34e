import { spawn, type ChildProcess } from 'node:child_process';
import { WorkerClient } from '../frontend/worker-client/index.js';
import type { Logger } from '../protocol/index.js';
import type { Sidecar } from './sim-lab.js';
import type { WorkerStateMessage } from './worker-state.js';

/** How to run the two processes and how to restart the worker. */
export interface SupervisorOptions {
  /** The labrelay entry script (dist/launcher/main.js). */
  entry: string;
  workerArgs: string[];
  frontendArgs: string[];
  workerEndpoint: string;
  /** Hardware stand-ins (simulated bridges) to start before the worker and stop after it. */
  sidecars: Sidecar[];
  /** The frontend speaks MCP on the launcher's own stdin/stdout. */
  stdio: boolean;
  env: NodeJS.ProcessEnv;
  startupTimeoutMs: number;
  restartInitialDelayMs: number;
  restartMaxDelayMs: number;
  log: Logger;
}

/** A worker that stays up this long resets the restart back-off. */
const STABLE_AFTER_MS = 30_000;
/** How long a child gets after SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 10_000;

/**
 * Spawns the worker, waits until `health` answers, then spawns the frontend; restarts the worker
 * with exponential back-off when it dies while the frontend keeps serving (and tells the
 * frontend, so calls fail fast instead of hanging); stops the worker and returns the frontend's
 * exit code when the frontend ends. `stop()` ends both.
 */
export class Supervisor {
  private worker?: ChildProcess;
  private frontend?: ChildProcess;
  private readonly sidecarChildren = new Map<string, ChildProcess>();
  private stopping = false;
  private restarts = 0;
  private readonly probe: WorkerClient;
  private finished!: (code: number) => void;
  readonly exitCode = new Promise<number>((resolve) => (this.finished = resolve));

  constructor(private readonly o: SupervisorOptions) {
    this.probe = new WorkerClient({
      endpoint: o.workerEndpoint,
      events: false,
      idempotentRetries: 0,
    });
  }

  /** Starts both processes; rejects when the worker never becomes healthy. */
  async start(): Promise<void> {
    await Promise.all(this.o.sidecars.map((sidecar) => this.startSidecar(sidecar)));
    const worker = this.spawnWorker();
    await this.waitHealthy(worker, this.o.startupTimeoutMs);
    this.spawnFrontend();
  }

  /** Stops the frontend and the worker, and waits for both. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([stopChild(this.frontend), stopChild(this.worker)]);
    await Promise.all([...this.sidecarChildren.values()].map(stopChild));
    this.probe.close();
    this.finished(0);
  }

  private spawnWorker(): ChildProcess {
    const started = Date.now();
    // The worker's stdout goes to stderr too: stdout may be the MCP wire.
    const child = spawn(
      process.execPath,
      [...process.execArgv, this.o.entry, 'worker', ...this.o.workerArgs],
      {
        // The IPC channel lets the worker notice the launcher's death and stop, never orphaned.
        stdio: ['ignore', 2, 2, 'ipc'],
        env: this.o.env,
      },
    );
    this.worker = child;
    this.o.log.info('worker started', { pid: child.pid });
    child.on('exit', (code, signal) => {
      if (this.stopping || this.worker !== child) return;
      const reason = signal ? `killed by ${signal}` : `exited with code ${code}`;
      if (Date.now() - started > STABLE_AFTER_MS) this.restarts = 0;
      this.restarts += 1;
      const delay = Math.min(
        this.o.restartMaxDelayMs,
        this.o.restartInitialDelayMs * 2 ** (this.restarts - 1),
      );
      this.o.log.error(`worker ${reason}; restarting in ${delay} ms`, { restart: this.restarts });
      this.tellFrontend({
        type: 'labrelay:worker-state',
        state: 'down',
        reason: `worker ${reason}, restart ${this.restarts}`,
      });
      setTimeout(() => void this.restartWorker(), delay);
    });
    return child;
  }

  private async restartWorker(): Promise<void> {
    if (this.stopping) return;
    const child = this.spawnWorker();
    try {
      await this.waitHealthy(child, this.o.startupTimeoutMs);
      this.o.log.info('worker restarted and healthy');
      this.tellFrontend({ type: 'labrelay:worker-state', state: 'up' });
    } catch (err) {
      // The exit handler schedules the next attempt when the child dies; a child that is alive
      // but never answers is killed so that it does.
      this.o.log.error('restarted worker is not healthy', { error: String(err) });
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }

  private spawnFrontend(): void {
    const child = spawn(
      process.execPath,
      [...process.execArgv, this.o.entry, 'frontend', ...this.o.frontendArgs],
      {
        stdio: this.o.stdio ? ['inherit', 'inherit', 'inherit', 'ipc'] : ['ignore', 2, 2, 'ipc'],
        env: this.o.env,
      },
    );
    this.frontend = child;
    this.o.log.info('frontend started', { pid: child.pid });
    child.on('exit', (code, signal) => {
      if (this.stopping) return;
      this.stopping = true;
      const exitCode = code ?? 128 + signalNumber(signal);
      this.o.log.info(`frontend ended (${signal ?? `code ${code}`}); stopping the worker`);
      void stopChild(this.worker)
        .then(() => Promise.all([...this.sidecarChildren.values()].map(stopChild)))
        .then(() => {
          this.probe.close();
          this.finished(exitCode);
        });
    });
  }

  /**
   * Starts a hardware stand-in and waits for its ready line. Its log is relayed to stderr. If it
   * dies it is started again after a second, as a power-cycled instrument would come back.
   */
  private startSidecar(sidecar: Sidecar): Promise<void> {
    const child = spawn(process.execPath, [...process.execArgv, this.o.entry, ...sidecar.args], {
      stdio: ['ignore', 2, 'pipe', 'ipc'],
      env: this.o.env,
    });
    this.sidecarChildren.set(sidecar.name, child);
    this.o.log.info(`${sidecar.name} started`, { pid: child.pid });
    return new Promise((resolve, reject) => {
      let seen = '';
      let ready = false;
      child.stderr!.on('data', (chunk: Buffer) => {
        process.stderr.write(chunk);
        if (ready) return;
        seen += chunk.toString('utf8');
        if (sidecar.ready.test(seen)) {
          ready = true;
          resolve();
        }
      });
      child.on('exit', (code, signal) => {
        if (!ready) {
          reject(new Error(`${sidecar.name} exited during start-up (${signal ?? `code ${code}`})`));
          return;
        }
        if (this.stopping) return;
        this.o.log.error(
          `${sidecar.name} ended (${signal ?? `code ${code}`}); restarting it in 1 s`,
        );
        setTimeout(() => {
          if (!this.stopping)
            void this.startSidecar(sidecar).catch((err) => this.o.log.error(String(err)));
        }, 1000);
      });
    });
  }

  private async waitHealthy(child: ChildProcess, timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `the worker exited during start-up (${child.signalCode ?? `code ${child.exitCode}`})`,
        );
      }
      const reply = await this.probe.request('health', {}, { timeoutMs: 500 });
      if (reply.status === 'ok') return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(
      `the worker did not answer health within ${timeoutMs} ms at ${this.o.workerEndpoint}`,
    );
  }

  private tellFrontend(message: WorkerStateMessage): void {
    if (this.frontend?.connected) this.frontend.send(message);
  }
}

/** SIGTERM, then SIGKILL after the grace period; resolves when the child has exited. */
function stopChild(child: ChildProcess | undefined): Promise<void> {
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

function signalNumber(signal: NodeJS.Signals | null): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = {
    SIGHUP: 1,
    SIGINT: 2,
    SIGKILL: 9,
    SIGTERM: 15,
  };
  return (signal && numbers[signal]) || 1;
}
