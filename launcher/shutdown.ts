import type { Logger } from '../protocol/index.js';

/**
 * Runs `stop` on the first SIGINT or SIGTERM, then exits with `code`. A second signal exits at
 * once (the usual "press Ctrl-C again to force").
 */
export function onShutdownSignal(log: Logger, stop: () => Promise<void>, code = 0): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn(`${signal} again: exiting now`);
      process.exit(130);
    }
    stopping = true;
    log.info(`${signal}: shutting down`);
    stop().then(
      () => process.exit(code),
      (err) => {
        log.error('shutdown failed', { error: String(err) });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
}
