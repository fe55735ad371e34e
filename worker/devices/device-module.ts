import { deviceMethods, type Catalog, type Logger } from '../../protocol/index.js';
import type { Handler, MethodModule, SafeStateReport } from '../engine/method-module.js';
import { LazyAbort, Operation } from '../engine/operation.js';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import type { DeviceRegistry } from './device-registry.js';
import { buildDeviceTools, type DeviceToolOptions, type DeviceTools } from './device-tools.js';

/**
 * The devices as worker methods: `list_devices` plus one method per served class command (see
 * device-tools.ts). The methods are rebuilt from the registry after every change; the caller
 * re-reads them through runtime.refresh() and announces the new catalog.
 */
export function deviceModule(o: DeviceToolOptions & { log: Logger }): MethodModule {
  let built: { tools: DeviceTools; methods: Catalog; handlers: Record<string, Handler> } | null =
    null;
  const current = () => {
    if (built) return built;
    const tools = buildDeviceTools(o);
    for (const error of tools.errors) o.log.error('a device class cannot be served', error);
    built = {
      tools,
      methods: { ...deviceMethods, ...tools.methods },
      handlers: {
        list_devices: ({ device_class: only }: { device_class?: string }) => ({
          devices: tools.devices.filter((d) => !only || d.class === only),
          classes: tools.classes.filter((c) => !only || c.name === only),
        }),
        ...tools.handlers,
      } as Record<string, Handler>,
    };
    return built;
  };
  o.registry.onChange(() => {
    built = null;
  });
  return {
    get methods() {
      return current().methods;
    },
    get handlers() {
      return current().handlers;
    },
    get targets() {
      return current().tools.targets;
    },
    safeState: () => safeStates(o.registry, o.artifacts, o.log),
    get blocked() {
      return current().tools.blocked;
    },
    devices: () => ({ devices: current().tools.devices, device_classes: current().tools.classes }),
    close: () => o.registry.close(),
  };
}

/**
 * stop_all's part for devices: each device whose class declares a safe state is put in it
 * (a supply's outputs off), all at once, each on its own — one that fails or hangs is reported
 * and does not keep the others from their safe state.
 */
async function safeStates(
  registry: DeviceRegistry,
  artifacts: ArtifactStore,
  log: Logger,
): Promise<SafeStateReport[]> {
  const devices = registry
    .listClasses()
    .filter((c) => c.safeState)
    .flatMap((c) => registry.ofClass(c.name));
  return Promise.all(
    devices.map(async (device): Promise<SafeStateReport> => {
      const op = new Operation(
        `stop_all:${device.name}`,
        'stop_all',
        new LazyAbort(),
        log,
        () => {},
      );
      try {
        const actions = await device.deviceClass.safeState!({ device, op, artifacts });
        return { device: device.name, actions, ok: true };
      } catch (err) {
        log.error('stop_all: a device did not reach its safe state', {
          device: device.name,
          error: String(err),
        });
        return { device: device.name, actions: [], ok: false, error: String(err) };
      }
    }),
  );
}
