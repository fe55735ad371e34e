import { deviceMethods, type Catalog, type Logger } from '../../protocol/index.js';
import type { Handler, MethodModule } from '../engine/method-module.js';
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
    get blocked() {
      return current().tools.blocked;
    },
    devices: () => ({ devices: current().tools.devices, device_classes: current().tools.classes }),
    close: () => o.registry.close(),
  };
}
