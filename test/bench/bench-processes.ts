import { fileURLToPath } from 'node:url';
import { LabrelayProcess } from '../helpers/labrelay-process.js';

/**
 * A worker and a frontend started apart (the bench reads the worker's own memory), logging at
 * info: debug lines would be part of what is measured. Both are added to `processes` to stop.
 */
export async function startWorkerAndFrontend(
  configPath: string,
  processes: LabrelayProcess[],
): Promise<{ worker: LabrelayProcess; url: string }> {
  const env = { env: { LABRELAY_LOG_LEVEL: 'info' } };
  const worker = LabrelayProcess.spawn(['worker', '--config', configPath], env);
  processes.push(worker);
  await worker.waitFor(/worker ready/);
  const frontend = LabrelayProcess.spawn(['frontend', '--config', configPath], env);
  processes.push(frontend);
  const [, url] = await frontend.waitFor(/MCP over Streamable HTTP at (\S+)/);
  return { worker, url };
}

/** floor-server.ts in `mode` (http: labrelay's transport; sdk-json: the SDK's) on `port`. */
export async function startFloor(
  mode: 'http' | 'sdk-json',
  port: number,
  processes: LabrelayProcess[],
): Promise<string> {
  const floor = LabrelayProcess.spawnCommand(
    process.execPath,
    [fileURLToPath(new URL('./floor-server.js', import.meta.url)), mode, String(port)],
    { env: { LABRELAY_LOG_LEVEL: 'warn' } },
  );
  processes.push(floor);
  const [, url] = await floor.waitFor(/floor ready (\S+)/);
  return url;
}
