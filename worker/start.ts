import { join } from 'node:path';
import {
  assertSecuredBind,
  defaultEventsEndpoint,
  type CurveServerKeys,
  type Logger,
} from '../protocol/index.js';
import { CurveAuthenticator } from './engine/curve-authenticator.js';
import { ArtifactStore } from './artifacts/artifact-store.js';
import { AuditLog } from './engine/audit-log.js';
import type { BridgeConfig } from './gpib/bridge-config.js';
import { BridgeManager, type LinkFactory } from './gpib/bridge-manager.js';
import { gpibModule } from './gpib/handlers/index.js';
import { createImaging, type ImagingConfig } from './microscope/create-module.js';
import { EventsPublisher } from './engine/events-publisher.js';
import { BlockingRules, type BlockingConfig } from './devices/blocking.js';
import { deviceModule } from './devices/device-module.js';
import { DeviceRegistry } from './devices/device-registry.js';
import { bindGpibDevices, gpibDeviceName } from './gpib/devices/index.js';
import {
  closePlugins,
  importPlugins,
  startPlugins,
  type PluginEntry,
} from './devices/plugin-loader.js';
import { formatDevices } from './devices/print-devices.js';
import { diagnosticsModule } from './diagnostics/diagnostics-module.js';
import type { MethodModule } from './engine/method-module.js';
import type { ReplyCacheLimits } from './engine/reply-cache.js';
import { RouterServer } from './engine/router-server.js';
import { createRuntime, type WorkerRuntime } from './engine/runtime.js';
import { WireTap } from './engine/wire-tap.js';
import { OPEN_POLICY, createSafety, type PolicyConfig } from './safety/index.js';
import { supervisionModule } from './supervision/supervision-module.js';

/** Everything the worker needs to start; the launcher builds it from the config file and flags. */
export interface WorkerOptions {
  /** Shown in describe and logs, e.g. "bench-lab". */
  name: string;
  version: string;
  /** Request endpoint (ROUTER), e.g. tcp://127.0.0.1:5555. */
  bind: string;
  /** Events endpoint (PUB); derived from `bind` when absent. */
  eventsEndpoint?: string;
  /** CURVE keys; required to bind anything but loopback or ipc. */
  curve?: CurveServerKeys;
  queueTimeoutMs: number;
  auditLog: { path: string; fsync: boolean } | null;
  diagnostics: boolean;
  replyCache: ReplyCacheLimits;
  /** How long shutdown waits for running operations to reach a safe point. */
  shutdownGraceMs: number;
  /** Where artifacts go (artifacts/ below it). */
  dataDir: string;
  gpib: {
    bridges: BridgeConfig[];
    allowRawCommands: string[];
    /** Driver class per instrument, `<bridge>/<address>` → class (config `instruments:`). */
    instrumentClasses: Record<string, string>;
    linkFactory?: LinkFactory;
  };
  /** The scanning microscope, as the config file's `imaging:` section; null for none. */
  imaging: ImagingConfig | null;
  /** Which device commands become tools, and device plugins (config `devices:`). */
  devices: { blocking: BlockingConfig; attributeTools: boolean; plugins: PluginEntry[] };
  /** The safety policy (config `policy:`); absent: writes allowed, no rules. */
  policy?: PolicyConfig;
  /** Print the discovered devices and their commands to stderr. */
  verbose: boolean;
  log: Logger;
}

/** A started worker. */
export interface RunningWorker {
  readonly endpoint: string;
  readonly eventsEndpoint: string;
  readonly bootId: string;
  /** Stops taking requests, ends operations at a safe point, closes devices and sockets. */
  close(): Promise<void>;
}

/**
 * Starts the instrument worker: the only process that touches hardware. It binds a ROUTER for
 * requests and a PUB for events, and serves the core methods plus every enabled module.
 */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const { log } = options;
  const eventsEndpoint = options.eventsEndpoint ?? defaultEventsEndpoint(options.bind);
  for (const endpoint of [options.bind, eventsEndpoint]) assertSecuredBind(endpoint, options.curve);
  // Plugins load before anything binds: a wrong path is a configuration mistake, said at once.
  const plugins = await importPlugins(options.devices.plugins);
  const registry = new DeviceRegistry();
  const artifacts = new ArtifactStore(join(options.dataDir, 'artifacts'));
  // First in, last closed: devices close after the modules that drive them stopped.
  const modules: MethodModule[] = [
    deviceModule({
      registry,
      rules: new BlockingRules(options.devices.blocking),
      attributeTools: options.devices.attributeTools,
      artifacts,
      log,
    }),
  ];
  if (options.diagnostics) modules.push(diagnosticsModule());
  if (options.imaging) {
    // One simulated microscope behind both the EAA methods and the device classes.
    const imaging = createImaging(options.imaging, artifacts, log);
    modules.push(imaging.module);
    registry.addAll(imaging.devices);
  }
  const tap = new WireTap();
  let unbindGpib = () => {};
  if (options.gpib.bridges.length > 0) {
    const manager = new BridgeManager(options.gpib.bridges, log, options.gpib.linkFactory);
    manager.tapLines((resource, line) => tap.record(resource, line));
    modules.push(
      gpibModule({
        manager,
        artifacts,
        allowRawCommands: options.gpib.allowRawCommands,
        deviceAt: (bridge, address) => {
          const device = registry.get(gpibDeviceName(bridge, { primary: address }));
          return device ? { name: device.name, class: device.deviceClass.name } : null;
        },
        log,
      }),
    );
    unbindGpib = bindGpibDevices({
      manager,
      registry,
      overrides: options.gpib.instrumentClasses,
      log,
    });
  }
  // Without a file (audit_log: false) the lines still reach the events socket: a supervisor
  // watching the console sees every operation either way.
  const audit = new AuditLog(options.auditLog?.path ?? null, options.auditLog?.fsync ?? false);
  let events: EventsPublisher | undefined;
  let runtime: WorkerRuntime | undefined;
  const safety = createSafety({
    policy: options.policy ?? OPEN_POLICY,
    audit,
    events: () => events ?? null,
    tap,
    targets: {
      abortAll: (reason) => runtime?.dispatcher.abortAll(reason) ?? [],
      modules: () => runtime?.modules ?? [],
    },
    log,
  });
  // Served before the device modules: stop and resume are there even if a device module fails.
  modules.unshift(safety.module, supervisionModule({ audit, artifacts }));
  runtime = createRuntime({
    name: options.name,
    version: options.version,
    eventsEndpoint,
    queueTimeoutMs: options.queueTimeoutMs,
    audit,
    replyCache: options.replyCache,
    progress: (id, progress, total, message, approval) =>
      events?.progress(id, progress, total, message, approval),
    gate: safety.gate,
    progressEnd: (id) => events?.progressEnd(id),
    log,
    modules,
  });
  events = new EventsPublisher(
    log,
    () => ({ boot_id: runtime.bootId, catalog_hash: runtime.table.catalogHash }),
    options.curve,
  );
  const publisher = events;
  audit.onLine = (line) => publisher.auditLine(line);
  watchDevices(
    registry,
    () => {
      if (runtime.refresh()) {
        publisher.catalogChanged();
        log.info('device tools changed', { methods: runtime.table.names().length });
      }
      if (options.verbose) process.stderr.write(formatDevices(runtime.describe()) + '\n');
    },
    log,
  );
  const server = new RouterServer(runtime.dispatcher, log, options.curve);
  const authenticator = options.curve?.authorizedClients
    ? new CurveAuthenticator(options.curve.authorizedClients, log)
    : undefined;
  try {
    await authenticator?.start();
    await events.bind(eventsEndpoint);
    await server.bind(options.bind);
  } catch (err) {
    events.close();
    authenticator?.close();
    audit.close();
    const inUse = (err as { code?: string }).code === 'EADDRINUSE';
    throw new Error(
      `cannot bind the worker to ${options.bind} and ${eventsEndpoint}: ${(err as Error).message}` +
        (inUse ? ' (is another worker running?)' : ''),
    );
  }
  // Devices connect after the sockets are up: health answers while a bridge takes its time.
  for (const module of runtime.modules) {
    module
      .start?.()
      .catch((err) => log.error('a device module failed to start', { error: String(err) }));
  }
  void startPlugins(plugins, registry, { log, dataDir: options.dataDir });
  if (options.verbose) process.stderr.write(formatDevices(runtime.describe()) + '\n');
  log.info('worker ready', {
    endpoint: options.bind,
    events: eventsEndpoint,
    methods: runtime.table.names().length,
    audit_log: audit.path,
    curve: options.curve
      ? `on, ${options.curve.authorizedClients ? `${options.curve.authorizedClients.length} authorized client key(s)` : 'any client that knows the server key'}`
      : 'off',
  });

  let closing: Promise<void> | undefined;
  return {
    endpoint: options.bind,
    eventsEndpoint,
    bootId: runtime.bootId,
    close: () =>
      (closing ??= (async () => {
        await runtime.dispatcher.shutdown(options.shutdownGraceMs);
        await server.close();
        unbindGpib();
        for (const module of [...runtime.modules].reverse()) {
          try {
            await module.close?.();
          } catch (err) {
            log.error('closing a device module failed', { error: String(err) });
          }
        }
        await closePlugins(plugins, log);
        publisher.close();
        authenticator?.close();
        audit.close();
        log.info('worker stopped');
      })()),
  };
}

/**
 * Re-reads the methods once per burst of device changes (a bus scan binds several instruments
 * in one go), after the registry has settled.
 */
function watchDevices(registry: DeviceRegistry, refresh: () => void, log: Logger): void {
  let pending = false;
  registry.onChange(() => {
    if (pending) return;
    pending = true;
    queueMicrotask(() => {
      pending = false;
      try {
        refresh();
      } catch (err) {
        // A device that cannot be served must not take the served ones down with it.
        log.error('device tools could not be rebuilt', { error: String(err) });
      }
    });
  });
}
