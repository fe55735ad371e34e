import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, found from this file whether it runs from test/ or dist/test/. */
export const ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
})();

/** The built CLI the tests run, exactly as `npx labrelay` would. */
export const ENTRY = join(ROOT, 'dist', 'launcher', 'main.js');

const live = new Set<LabrelayProcess>();

/** A `labrelay …` child process whose stderr is collected for assertions and diagnosis. */
export class LabrelayProcess {
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly listeners = new Set<() => void>();

  private constructor(readonly child: ChildProcess) {
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
      for (const listener of this.listeners) listener();
    });
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    live.add(this);
    void this.exited.then(() => live.delete(this));
  }

  /** Starts `node dist/launcher/main.js ARGS`. */
  static spawn(
    args: string[],
    options: { env?: NodeJS.ProcessEnv; stdio?: StdioOptions } = {},
  ): LabrelayProcess {
    return LabrelayProcess.spawnCommand(process.execPath, [ENTRY, ...args], options);
  }

  /** Starts any command (an installed `labrelay` binary, say) with the same bookkeeping. */
  static spawnCommand(
    command: string,
    args: string[],
    options: { env?: NodeJS.ProcessEnv; stdio?: StdioOptions } = {},
  ): LabrelayProcess {
    const child = spawn(command, args, {
      stdio: options.stdio ?? ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LABRELAY_LOG_LEVEL: 'debug', ...options.env },
    });
    return new LabrelayProcess(child);
  }

  /** Resolves when stderr matches `pattern`; rejects on timeout or exit, showing stderr. */
  waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = this.stderr.match(pattern);
        if (match) {
          done();
          resolve(match);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${pattern}; stderr so far:\n${this.stderr}`));
      }, timeoutMs);
      const onExit = () => {
        done();
        reject(new Error(`process exited while waiting for ${pattern}; stderr:\n${this.stderr}`));
      };
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
        this.child.off('exit', onExit);
      };
      this.listeners.add(check);
      this.child.once('exit', onExit);
      check();
      if (this.child.exitCode !== null || this.child.signalCode !== null) onExit();
    });
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with how it exited. */
  async stop(graceMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      const result = await this.exited;
      clearTimeout(timer);
      return result;
    }
    return this.exited;
  }
}

/** Stops every process a test started; for afterEach/afterAll. */
export async function stopAllProcesses(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop(5_000)));
}
