import { OPEN_POLICY, type PolicyConfig } from '../worker/safety/policy-config.js';
import { curveKeyPair } from 'zeromq';
import type { WorkerEntry } from '../frontend/fleet/fleet-member.js';
import type { FrontendOptions } from '../frontend/start.js';
import type { CurveServerKeys, Logger } from '../protocol/index.js';
import type { WorkerOptions } from '../worker/start.js';
import type { BridgeConfig } from '../worker/gpib/bridge-config.js';
import { resolvePluginPath } from '../worker/devices/plugin-loader.js';
import { auditLogPath, dataDir, type LoadedConfig } from './config/load.js';

/** Command-line flags that override the worker section. */
export interface WorkerFlags {
  bind?: string;
  diagnostics?: boolean;
  /** Print the discovered devices and their commands to stderr. */
  verbose?: boolean;
  /** --read-only: every write refused (policy.writes: deny). */
  readOnly?: boolean;
}

/** Command-line flags that override the frontend section. */
export interface FrontendFlags {
  worker?: string;
  stdio?: boolean;
  host?: string;
  port?: number;
  path?: string;
  token?: string;
  /** --no-console: no supervisor console. */
  noConsole?: boolean;
  /** --toolsets a,b: the tools listed (frontend.toolsets). */
  toolsets?: string[];
  /** --read-only: no write tool listed, and the worker refuses writes. */
  readOnly?: boolean;
  /** Print the registered tool signatures to stderr. */
  verbose?: boolean;
}

/** The worker's options: the config file's worker section, then flags. */
export function workerOptions(
  loaded: LoadedConfig,
  flags: WorkerFlags,
  log: Logger,
  version: string,
): WorkerOptions {
  const w = loaded.config.worker;
  const d = loaded.config.devices;
  const audit = auditLogPath(loaded);
  return {
    name: w.name,
    version,
    bind: flags.bind ?? w.bind,
    eventsEndpoint: flags.bind ? undefined : w.events_endpoint,
    curve: serverKeys(w.curve),
    queueTimeoutMs: w.queue_timeout_ms,
    auditLog: audit === null ? null : { path: audit, fsync: w.audit_fsync },
    diagnostics: flags.diagnostics || w.diagnostics,
    replyCache: { entries: w.reply_cache.entries, bytes: w.reply_cache.max_bytes },
    shutdownGraceMs: w.shutdown_grace_ms,
    dataDir: dataDir(loaded),
    gpib: {
      bridges: loaded.config.gpib.bridges.map(bridgeConfig),
      allowRawCommands: loaded.config.gpib.allow_raw_commands,
      instrumentClasses: Object.fromEntries(
        loaded.config.gpib.bridges.flatMap((b) =>
          Object.entries(b.instruments).map(([address, cls]) => [`${b.name}/${address}`, cls]),
        ),
      ),
    },
    imaging: loaded.config.imaging ?? null,
    ...workerPolicy(loaded, flags.readOnly ?? false),
    devices: {
      blocking: {
        blockedFunctions: d.blocked_functions,
        blockedClasses: d.blocked_classes,
        includeOnly: d.include_only,
      },
      attributeTools: d.attribute_tools,
      plugins: d.plugins.map((p) => {
        const entry = typeof p === 'string' ? { path: p, options: {} } : p;
        return { path: resolvePluginPath(entry.path, loaded.baseDir), options: entry.options };
      }),
    },
    verbose: flags.verbose ?? false,
    log,
  };
}

/** A `gpib.bridges` entry as the worker runs it. */
export function bridgeConfig(b: LoadedConfig['config']['gpib']['bridges'][number]): BridgeConfig {
  return {
    name: b.name,
    transport:
      b.transport === 'serial'
        ? { kind: 'serial', path: b.port, baudRate: b.baud }
        : { kind: 'tcp', host: b.host, port: b.port },
    readTimeoutMs: b.read_timeout_ms,
    readTmoMs: b.read_tmo_ms,
    interCommandDelayMs: b.inter_command_delay_ms,
    eos: b.eos as 0 | 1 | 2 | 3,
    connectTimeoutMs: b.connect_timeout_ms,
    startupWindowMs: b.startup_window_ms,
    linkSlackMs: b.link_slack_ms,
    autoScan: b.auto_scan,
    autoIdentify: b.auto_identify,
    firmware: b.firmware,
  };
}

/** The frontend's options: the config file's frontend section, then flags, then LABRELAY_TOKEN. */
export function frontendOptions(
  loaded: LoadedConfig,
  flags: FrontendFlags,
  log: Logger,
  version: string,
): FrontendOptions {
  const f = loaded.config.frontend;
  return {
    version,
    workers: frontendWorkers(loaded, flags),
    workerWaitMs: f.worker_wait_ms,
    livenessTimeoutMs: f.liveness_timeout_ms,
    transport: flags.stdio ? 'stdio' : f.transport,
    http: {
      host: flags.host ?? f.host,
      port: flags.port ?? f.port,
      path: flags.path ?? f.path,
      token: flags.token ?? (process.env.LABRELAY_TOKEN || undefined),
      allowedHosts: f.allowed_hosts,
      allowedOrigins: f.allowed_origins,
      maxSessions: f.max_sessions,
    },
    stdioMaxMessageBytes: f.stdio_max_message_bytes,
    console: f.console && !flags.noConsole,
    toolsets: flags.toolsets ?? f.toolsets,
    readOnly: flags.readOnly || f.read_only,
    fullOutputSchemas: f.output_schemas,
    callSlackMs: f.call_slack_ms,
    idempotentRetries: f.idempotent_retries,
    maxSockets: f.max_sockets,
    verbose: flags.verbose ?? false,
    log,
  };
}

/** A config's `curve:` block as the worker takes it. */
export function serverKeys(
  curve: { public_key: string; secret_key: string; authorized_clients?: string[] } | undefined,
): CurveServerKeys | undefined {
  if (!curve) return undefined;
  return {
    publicKey: curve.public_key,
    secretKey: curve.secret_key,
    ...(curve.authorized_clients ? { authorizedClients: curve.authorized_clients } : {}),
  };
}

/**
 * The workers the frontend serves: `frontend.workers`, or else the local worker (frontend.worker
 * or worker.bind) plus the Tango bridge when `tango:` is set; `--worker` moves the local worker. A worker
 * with a server key is reached over CURVE with the frontend's key pair, or a fresh one.
 */
export function frontendWorkers(loaded: LoadedConfig, flags: FrontendFlags): WorkerEntry[] {
  const { worker, frontend, tango } = loaded.config;
  type Listed = { name: string; endpoint: string; prefix?: string; server_public_key?: string };
  let listed: Listed[];
  if (frontend.workers) {
    listed = frontend.workers;
    // --worker moves the local worker (the entry at worker.bind), or replaces the list.
    if (flags.worker) {
      const i = listed.findIndex((w) => w.endpoint === worker.bind);
      listed =
        i < 0
          ? [{ name: worker.name, endpoint: flags.worker }]
          : listed.map((w, j) => (j === i ? { ...w, endpoint: flags.worker! } : w));
    }
  } else {
    listed = [
      {
        name: worker.name,
        endpoint: flags.worker ?? frontend.worker ?? worker.bind,
        server_public_key: worker.curve?.public_key,
      },
    ];
    if (tango) {
      listed.push({
        name: tango.name,
        endpoint: tango.bind,
        server_public_key: tango.curve?.public_key,
      });
    }
  }
  const own = frontend.curve
    ? { publicKey: frontend.curve.public_key, secretKey: frontend.curve.secret_key }
    : listed.some((w) => w.server_public_key)
      ? curveKeyPair()
      : undefined;
  return listed.map((w) => ({
    name: w.name,
    endpoint: w.endpoint,
    ...(w.prefix ? { prefix: w.prefix } : {}),
    ...(w.server_public_key && own
      ? { curve: { serverPublicKey: w.server_public_key, ...own } }
      : {}),
  }));
}

/**
 * The worker's policy: the config's, and with --read-only (or frontend.read_only) a lab where
 * every write is refused — the posture GitHub's --read-only and Osprey's kill switch give.
 */
function workerPolicy(loaded: LoadedConfig, readOnly: boolean): { policy?: PolicyConfig } {
  const policy = loaded.config.policy;
  if (!readOnly && !loaded.config.frontend.read_only) return policy ? { policy } : {};
  return { policy: { ...(policy ?? OPEN_POLICY), writes: 'deny' } };
}
