import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CurveClientKeys } from '../protocol/index.js';
import { dataDir, type LoadedConfig } from './config/load.js';
import type { WorkerProcessSpec } from './supervised-worker.js';

/** Where the bridge's Python package lives, in the repository and in the installed package. */
export const TANGO_BRIDGE_DIR = fileURLToPath(new URL('../../worker/tango', import.meta.url));

/**
 * A Python that can import PyTango and pyzmq: the configured one, else `python3`, else the
 * system interpreter — Debian's python3-tango installs into /usr/bin/python3, which a pyenv or
 * venv `python3` earlier on PATH hides.
 */
export function findTangoPython(configured: string | undefined): string {
  const candidates = configured ? [configured] : ['python3', '/usr/bin/python3'];
  for (const python of candidates) {
    const probe = spawnSync(python, ['-c', 'import tango, zmq'], { stdio: 'ignore' });
    if (probe.status === 0) return python;
  }
  throw new Error(
    `no Python with PyTango and pyzmq (tried ${candidates.join(', ')}): install them ` +
      '(Debian: apt-get install python3-tango python3-zmq; elsewhere: pip install pytango pyzmq) ' +
      'or set tango.python to an interpreter that has them',
  );
}

/**
 * The Tango bridge as a supervised worker process. Its settings go in a file only the user can
 * read, not on the command line, where `ps` would show the CURVE secret key to everyone.
 *
 * The config's `policy:` section goes with them, as parsed (defaults filled in): the bridge
 * enforces the same rules, approvals and lab stops as the TypeScript worker, since nothing
 * outside the policy may reach an instrument by any path. Without one it runs an open policy.
 */
export function tangoBridgeSpec(
  loaded: LoadedConfig,
  options: { verbose: boolean; env: NodeJS.ProcessEnv; curve?: CurveClientKeys },
): WorkerProcessSpec {
  const tango = loaded.config.tango;
  if (!tango) throw new Error('the config has no tango section');
  const dir = dataDir(loaded);
  mkdirSync(dir, { recursive: true });
  const auditFile = tango.audit_log === false ? false : (tango.audit_log ?? 'tango-audit.jsonl');
  const policy = loaded.config.policy;
  const settings = {
    name: tango.name,
    bind: tango.bind,
    ...(tango.events_endpoint ? { events_endpoint: tango.events_endpoint } : {}),
    ...(tango.tango_host ? { tango_host: tango.tango_host } : {}),
    devices: tango.devices,
    timeout_ms: tango.timeout_ms,
    queue_timeout_ms: tango.queue_timeout_ms,
    rediscover_s: tango.rediscover_s,
    attribute_tools: tango.attribute_tools,
    blocked_functions: tango.blocked_functions,
    blocked_classes: tango.blocked_classes,
    include_only: tango.include_only,
    data_dir: dir,
    audit_log:
      auditFile === false ? false : isAbsolute(auditFile) ? auditFile : join(dir, auditFile),
    ...(tango.curve ? { curve: tango.curve } : {}),
    ...(policy ? { policy } : {}),
    verbose: options.verbose,
  };
  // One file per bridge name: rewritten at each start, not one more file per launcher run.
  const file = join(dir, `tango-bridge-${tango.name}.json`);
  writeFileSync(file, JSON.stringify(settings, null, 2) + '\n', { mode: 0o600 });
  const env: NodeJS.ProcessEnv = {
    ...options.env,
    PYTHONPATH: [TANGO_BRIDGE_DIR, options.env.PYTHONPATH].filter(Boolean).join(':'),
    // The bridge stops when the launcher dies (it has no IPC channel to notice it by).
    LABRELAY_PARENT_PID: String(process.pid),
    PYTHONUNBUFFERED: '1',
  };
  if (tango.tango_host) env.TANGO_HOST = tango.tango_host;
  return {
    label: 'tango bridge',
    command: findTangoPython(tango.python),
    args: ['-m', 'labrelay_tango', '--config', file],
    env,
    endpoint: tango.bind,
    curve: options.curve,
    ipc: false,
  };
}
