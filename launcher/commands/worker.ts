import { startWorker } from '../../worker/start.js';
import { loadConfig } from '../config/load.js';
import { createLogger } from '../log.js';
import { workerOptions, type WorkerFlags } from '../options.js';
import { onShutdownSignal } from '../shutdown.js';
import { packageVersion } from '../version.js';

/** `labrelay worker`: runs the instrument worker in the foreground until SIGINT/SIGTERM. */
export async function runWorker(flags: WorkerFlags & { config?: string }): Promise<void> {
  const log = createLogger('worker', flags.verbose ? 'debug' : undefined);
  const loaded = loadConfig(flags.config);
  const worker = await startWorker(workerOptions(loaded, flags, log, packageVersion()));
  onShutdownSignal(log, () => worker.close());
  // Started by the launcher: if it dies, so does its IPC channel, and the worker stops cleanly.
  process.on('disconnect', () => {
    log.warn('launcher went away; stopping');
    void worker.close().then(() => process.exit(0));
  });
  // A bug must not pass silently, but one stray rejection must not take the instruments down.
  process.on('unhandledRejection', (reason) =>
    log.error('unhandled rejection', { reason: String(reason) }),
  );
}
