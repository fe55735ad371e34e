import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from '../../protocol/index.js';
import { defineDeviceClass } from './device-class.js';
import type { DeviceRegistry } from './device-registry.js';
import type { Device } from './device.js';
import type { DevicePlugin } from './plugin.js';

/** One `devices.plugins` entry, its path resolved against the config file's folder. */
export interface PluginEntry {
  path: string;
  options: Record<string, unknown>;
}

/** A plugin imported and checked, ready to give its devices. */
export interface LoadedPlugin {
  entry: PluginEntry;
  plugin: DevicePlugin;
  origin: string;
}

/**
 * Imports every plugin before the worker binds: a missing file or a module without a plugin
 * default export is a configuration mistake, reported at start-up with the path.
 */
export async function importPlugins(entries: PluginEntry[]): Promise<LoadedPlugin[]> {
  const loaded: LoadedPlugin[] = [];
  for (const entry of entries) {
    let module: { default?: unknown };
    try {
      module = await import(pathToFileURL(entry.path).href);
    } catch (err) {
      throw new Error(`devices.plugins: cannot load ${entry.path}: ${(err as Error).message}`);
    }
    const plugin = module.default as DevicePlugin | undefined;
    if (!plugin || typeof plugin.devices !== 'function') {
      throw new Error(
        `devices.plugins: ${entry.path} must export default a plugin, ` +
          '{ devices(ctx) { return [...] } } (see definePlugin in labrelay/devices)',
      );
    }
    loaded.push({ entry, plugin, origin: `plugin:${plugin.name ?? entry.path}` });
  }
  return loaded;
}

/**
 * Asks each plugin for its devices and registers them. A plugin whose hardware is absent throws
 * here; that is logged and the other devices are served, as a bridge that does not answer.
 */
export async function startPlugins(
  plugins: LoadedPlugin[],
  registry: DeviceRegistry,
  o: { log: Logger; dataDir: string },
): Promise<void> {
  for (const { entry, plugin, origin } of plugins) {
    try {
      const devices = await plugin.devices({
        options: entry.options,
        log: o.log,
        dataDir: o.dataDir,
      });
      if (!Array.isArray(devices)) throw new Error('devices() must return an array of devices');
      const full: Device[] = devices.map((d) => {
        defineDeviceClass(d.deviceClass);
        return { ...d, origin, resource: d.resource ?? `device:${d.name}` };
      });
      await registry.replaceOrigin(origin, full);
      o.log.info('plugin devices added', {
        plugin: entry.path,
        devices: full.map((d) => `${d.name} (${d.deviceClass.name})`),
      });
    } catch (err) {
      o.log.error('a device plugin failed; its devices are not served', {
        plugin: entry.path,
        error: (err as Error).message,
      });
    }
  }
}

/** Closes every plugin, logging failures. */
export async function closePlugins(plugins: LoadedPlugin[], log: Logger): Promise<void> {
  for (const { entry, plugin } of plugins) {
    try {
      await plugin.close?.();
    } catch (err) {
      log.error('closing a device plugin failed', { plugin: entry.path, error: String(err) });
    }
  }
}

/** A plugin path as written in the config, resolved against the config file's folder. */
export function resolvePluginPath(path: string, configDir: string): string {
  return isAbsolute(path) ? path : resolve(configDir, path);
}
