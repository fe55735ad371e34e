import { startFrontend } from '../../frontend/start.js';
import { loadConfig } from '../config/load.js';
import { createLogger } from '../log.js';
import { frontendOptions, type FrontendFlags } from '../options.js';
import { onShutdownSignal } from '../shutdown.js';
import { packageVersion } from '../version.js';
import { isWorkerStateMessage } from '../worker-state.js';

/** `labrelay frontend`: serves MCP until SIGINT/SIGTERM or, with --stdio, until the client leaves. */
export async function runFrontend(flags: FrontendFlags & { config?: string }): Promise<void> {
  const log = createLogger('frontend', flags.verbose ? 'debug' : undefined);
  const loaded = loadConfig(flags.config);
  const options = frontendOptions(loaded, flags, log, packageVersion());
  const frontend = await startFrontend(options);
  // Started by the launcher: it reports the worker's restarts over the IPC channel.
  process.on('message', (message) => {
    if (!isWorkerStateMessage(message)) return;
    const member = frontend.fleet.memberAt(message.endpoint);
    if (!member) return;
    if (message.state === 'down') member.markDown(message.reason ?? 'the worker exited');
    else member.markUp('the launcher restarted it');
  });
  process.on('disconnect', () => {
    log.info('launcher went away; stopping');
    void frontend.close().then(() => process.exit(0));
  });
  onShutdownSignal(log, () => frontend.close());
  process.on('unhandledRejection', (reason) =>
    log.error('unhandled rejection', { reason: String(reason) }),
  );
  await frontend.done;
  log.info('MCP client disconnected; stopping');
  await frontend.close();
  process.exit(0);
}
