import { dataDir, loadConfig } from '../config/load.js';
import { prepareSimLab, type Sidecar } from '../sim-lab.js';
import { createLogger } from '../log.js';
import type { FrontendFlags, WorkerFlags } from '../options.js';
import { onShutdownSignal } from '../shutdown.js';
import { frontendWorkers } from '../options.js';
import type { WorkerProcessSpec } from '../supervised-worker.js';
import { Supervisor } from '../supervisor.js';
import { tangoBridgeSpec } from '../tango-bridge.js';

/**
 * `labrelay start`: runs the local workers (the TypeScript worker, the Tango bridge) and the
 * frontend, supervised. Resolves with the exit code.
 */
export async function runStart(
  entry: string,
  flags: WorkerFlags & FrontendFlags & { config?: string; verbose?: boolean },
): Promise<number> {
  const log = createLogger('launcher', flags.verbose ? 'debug' : undefined);
  let configPath = flags.config;
  let loaded = loadConfig(configPath);
  let sidecars: Sidecar[] = [];
  if (!loaded.source) {
    log.info('no --config: running the built-in simulated lab (two simulated AR488 bridges)');
    const lab = await prepareSimLab(dataDir(loaded), log);
    configPath = lab.configPath;
    sidecars = lab.sidecars;
    loaded = loadConfig(configPath);
    log.info('simulated lab config written', { path: configPath });
  }
  const common = configPath ? ['--config', configPath] : [];
  const workerArgs = [...common, ...(flags.bind ? ['--bind', flags.bind] : [])];
  if (flags.diagnostics) workerArgs.push('--diagnostics');
  if (flags.verbose) workerArgs.push('--verbose');
  const frontendArgs = [...common, ...(flags.bind ? ['--worker', flags.bind] : [])];
  if (flags.stdio) frontendArgs.push('--stdio');
  if (flags.host) frontendArgs.push('--host', flags.host);
  if (flags.port !== undefined) frontendArgs.push('--port', String(flags.port));
  if (flags.path) frontendArgs.push('--path', flags.path);
  if (flags.noConsole) frontendArgs.push('--no-console');
  if (flags.toolsets) frontendArgs.push('--toolsets', flags.toolsets.join(','));
  if (flags.readOnly) {
    frontendArgs.push('--read-only');
    workerArgs.push('--read-only');
  }
  if (flags.verbose) frontendArgs.push('--verbose');
  const env = { ...process.env };
  // The token travels in the environment, not argv, where `ps` would show it.
  if (flags.token) env.LABRELAY_TOKEN = flags.token;
  if (flags.verbose) env.LABRELAY_LOG_LEVEL = 'debug';

  // The frontend's view decides which local workers are worth starting.
  const served = frontendWorkers(loaded, { worker: flags.bind });
  const localEndpoint = flags.bind ?? loaded.config.worker.bind;
  const workers: WorkerProcessSpec[] = [];
  const local = served.find((w) => w.endpoint === localEndpoint);
  if (local) {
    workers.push({
      label: 'worker',
      command: process.execPath,
      args: [...process.execArgv, entry, 'worker', ...workerArgs],
      env,
      endpoint: localEndpoint,
      curve: local.curve,
      // The IPC channel lets the worker notice the launcher's death and stop, never orphaned.
      ipc: true,
    });
  }
  if (loaded.config.tango) {
    const bridge = served.find((w) => w.endpoint === loaded.config.tango!.bind);
    workers.push(
      tangoBridgeSpec(loaded, { verbose: flags.verbose ?? false, env, curve: bridge?.curve }),
    );
  }
  if (workers.length === 0) {
    log.info('no local worker is among frontend.workers; starting only the frontend');
  }

  const supervisor = new Supervisor({
    entry,
    workers,
    frontendArgs,
    sidecars,
    stdio: flags.stdio ?? loaded.config.frontend.transport === 'stdio',
    env,
    startupTimeoutMs: loaded.config.launcher.worker_startup_timeout_ms,
    restartInitialDelayMs: loaded.config.launcher.restart_initial_delay_ms,
    restartMaxDelayMs: loaded.config.launcher.restart_max_delay_ms,
    log,
  });
  onShutdownSignal(log, () => supervisor.stop());
  try {
    await supervisor.start();
  } catch (err) {
    log.error(String((err as Error).message));
    await supervisor.stop();
    return 1;
  }
  return supervisor.exitCode;
}
