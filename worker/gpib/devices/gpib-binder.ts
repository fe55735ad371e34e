import type { Logger } from '../../../protocol/index.js';
import type { BridgeManager } from '../bridge-manager.js';
import type { InstrumentRecord } from '../instrument-registry.js';
import type { DeviceRegistry } from '../../devices/device-registry.js';
import type { Device } from '../../devices/device.js';
import {
  driverForClass,
  driverForIdentity,
  gpibDriverClassNames,
  type GpibDriver,
} from '../drivers/driver-catalog.js';
import { GpibSession, gpibDeviceName } from './gpib-session.js';
import type { GpibState } from '../drivers/scpi-driver.js';

/** What binding needs: the bridges, where devices go, and the config's class overrides. */
export interface GpibBinderOptions {
  manager: BridgeManager;
  registry: DeviceRegistry;
  /** `<bridge>/<address>` (or `<bridge>/<address>.<secondary>`) → class name, e.g. HP3478A. */
  overrides: Record<string, string>;
  log: Logger;
}

/**
 * Keeps the device registry in step with the bus scans: after each scan (or forget) of a
 * bridge, its instruments whose `*IDN?` matches a driver, or whose address the config names a
 * class for, become devices `<bridge>/<address>` of origin `gpib:<bridge>`; the others stay
 * reachable through instrument_query only. The config wins over the identity, and binds
 * instruments without one (an HP 3478A). Returns the function that stops listening.
 */
export function bindGpibDevices(o: GpibBinderOptions): () => void {
  checkOverrides(o);
  // replaceOrigin is async (it closes vanished devices): apply scans in the order they came.
  let queue = Promise.resolve();
  const sync = (bridge: string) => {
    const origin = `gpib:${bridge}`;
    let devices: Device<GpibState>[];
    try {
      devices = o.manager.registry.list(bridge).flatMap((r) => bind(o, r) ?? []);
    } catch (err) {
      o.log.error('GPIB: binding drivers failed', { bridge, error: (err as Error).message });
      return;
    }
    queue = queue
      .then(() => o.registry.replaceOrigin(origin, devices))
      .then(
        () =>
          o.log.info('GPIB: devices bound', {
            bridge,
            devices: devices.map(
              (d) => `${d.name} ${d.deviceClass.name} (${String(d.info?.bound_by)})`,
            ),
          }),
        (err: unknown) =>
          o.log.error('GPIB: updating the devices of a bridge failed', {
            bridge,
            error: (err as Error).message,
          }),
      );
  };
  const unsubscribe = o.manager.registry.onChange(sync);
  // Scans that finished before binding started.
  for (const bridge of o.manager.names()) {
    if (o.manager.registry.list(bridge).length > 0) sync(bridge);
  }
  return unsubscribe;
}

/** The device for one scanned instrument, or null when no driver serves it. */
function bind(o: GpibBinderOptions, record: InstrumentRecord): Device<GpibState> | null {
  const address = { primary: record.address, secondary: record.secondary_address };
  const name = gpibDeviceName(record.bridge_name, address);
  const override = o.overrides[name];
  const configured = override === undefined ? undefined : driverForClass(override);
  const driver: GpibDriver | undefined =
    configured ?? (record.identity ? driverForIdentity(record.identity) : undefined);
  if (!driver) {
    // A scan without *IDN? (bus_scan identify=false) says only that a listener is still there:
    // keep the driver an earlier scan bound to it rather than dropping its tools.
    const previous = o.registry.get(name);
    return !record.identity && previous?.origin === `gpib:${record.bridge_name}`
      ? (previous as Device<GpibState>)
      : null;
  }
  const { bus } = o.manager.get(record.bridge_name);
  const identity = record.identity;
  return {
    name,
    deviceClass: driver.deviceClass,
    state: { session: new GpibSession(bus, record.bridge_name, address) },
    // instrument_query's resource: calls to one bridge, raw or through a driver, take turns.
    resource: `gpib:${record.bridge_name}`,
    origin: `gpib:${record.bridge_name}`,
    info: {
      bridge: record.bridge_name,
      address: record.address,
      ...(record.secondary_address === undefined
        ? {}
        : { secondary_address: record.secondary_address }),
      manufacturer: identity?.manufacturer ?? null,
      model: identity?.model ?? null,
      serial: identity?.serial ?? null,
      firmware: identity?.firmware ?? null,
      bound_by: configured ? 'config' : 'idn',
    },
  };
}

/** Logs overrides that cannot apply: an unknown class, or a bridge that is not configured. */
function checkOverrides(o: GpibBinderOptions): void {
  const bridges = new Set(o.manager.names());
  for (const [target, className] of Object.entries(o.overrides)) {
    if (!driverForClass(className)) {
      o.log.error(
        `GPIB: ${target} is configured as class "${className}", which no driver provides; ` +
          `known classes: ${gpibDriverClassNames().join(', ')}`,
        { target, class: className },
      );
    }
    const bridge = target.slice(0, target.lastIndexOf('/'));
    if (!bridges.has(bridge)) {
      o.log.warn(`GPIB: ${target} names bridge "${bridge}", which is not configured`, {
        target,
        bridges: [...bridges],
      });
    }
  }
}
