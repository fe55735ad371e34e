import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../protocol/index.js';
import type { Sidecar } from './sim-lab.js';
import {
  SupervisedWorker,
  stopChild,
  type RestartPolicy,
  type WorkerProcessSpec,
} from './supervised-worker.js';
import type { WorkerStateMessage } from './worker-state.js';

/** How to run the processes and how to restart the workers. */
export interface SupervisorOptions extends RestartPolicy {
  /** The labrelay entry script (dist/launcher/main.js). */
  entry: string;
  /** The worker processes: the TypeScript worker, the Tango bridge. */
  workers: WorkerProcessSpec[];
  frontendArgs: string[];
  /** Hardware stand-ins (simulated bridges) to start before the workers and stop after them. */
  sidecars: Sidecar[];
  /** The frontend speaks MCP on the launcher's own stdin/stdout. */
  stdio: boolean;
  env: NodeJS.ProcessEnv;
  log: Logger;
}

/**
 * Spawns the workers, waits until each answers `health`, then spawns the frontend; restarts a
 * worker with exponential back-off when it dies while the frontend keeps serving (and tells the
 * frontend, so that worker's calls fail fast instead of hanging); stops the workers and returns
 * the frontend's exit code when the frontend ends. `stop()` ends all.
 */
export class Supervisor {
  private readonly workers: SupervisedWorker[];
  private frontend?: ChildProcess;
  private readonly sidecarChildren = new Map<string, ChildProcess>();
  private stopping = false;
  private finished!: (code: number) => void;
  readonly exitCode = new Promise<number>((resolve) => (this.finished = resolve));

  constructor(private readonly o: SupervisorOptions) {
    this.workers = o.workers.map(
      (spec) =>
        new SupervisedWorker(spec, o, o.log, (state, reason) =>
          this.tellFrontend({
            type: 'labrelay:worker-state',
            state,
            endpoint: spec.endpoint,
            ...(reason === undefined ? {} : { reason }),
          }),
        ),
    );
  }

  /** Starts every process; rejects when a worker never becomes healthy. */
  async start(): Promise<void> {
    await Promise.all(this.o.sidecars.map((sidecar) => this.startSidecar(sidecar)));
    await Promise.all(this.workers.map((w) => w.start()));
    this.spawnFrontend();
  }

  /** Stops the frontend and the workers, and waits for all. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([stopChild(this.frontend), ...this.workers.map((w) => w.stop())]);
    await Promise.all([...this.sidecarChildren.values()].map(stopChild));
    this.finished(0);
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
      this.o.log.info(`frontend ended (${signal ?? `code ${code}`}); stopping the workers`);
      void Promise.all(this.workers.map((w) => w.stop()))
        .then(() => Promise.all([...this.sidecarChildren.values()].map(stopChild)))
        .then(() => this.finished(exitCode));
    });
  }

  /**
   * Starts a hardware stand-in and waits for its ready message. It logs to the launcher's stderr. If
   * it dies it is started again after a second, as a power-cycled instrument would come back.
   */
  private startSidecar(sidecar: Sidecar): Promise<void> {
    const child = spawn(process.execPath, [...process.execArgv, this.o.entry, ...sidecar.args], {
      stdio: ['ignore', 2, 2, 'ipc'],
      env: this.o.env,
    });
    this.sidecarChildren.set(sidecar.name, child);
    this.o.log.info(`${sidecar.name} started`, { pid: child.pid });
    return new Promise((resolve, reject) => {
      let ready = false;
      child.on('message', (message: { type?: string }) => {
        if (ready || message?.type !== 'ready') return;
        ready = true;
        resolve();
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

  private tellFrontend(message: WorkerStateMessage): void {
    if (this.frontend?.connected) this.frontend.send(message);
  }
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
