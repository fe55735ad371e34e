import type { Logger } from '../../protocol/index.js';
import type { Device } from './device.js';

/** What a plugin's devices() is given. */
export interface PluginContext {
  /** The `options` of its entry in the config's `devices.plugins`, or {}. */
  options: Record<string, unknown>;
  log: Logger;
  /** The worker's data directory, for a plugin that keeps files of its own. */
  dataDir: string;
}

/** A device as a plugin returns it; the worker fills in what is left out. */
export type PluginDevice<S = any> = Omit<Device<S>, 'origin' | 'resource'> & {
  /** What its calls serialize on; default `device:<name>` (one call at a time per device). */
  resource?: string;
};

/**
 * A device module named in the config (`devices.plugins`): its default export. The worker
 * imports it at start-up, calls `devices()` once its sockets are up, and serves every command
 * of every device's class as a tool, with no frontend code.
 */
export interface DevicePlugin {
  /** Shown in logs and in the devices' origin; default the file name. */
  name?: string;
  devices(ctx: PluginContext): PluginDevice[] | Promise<PluginDevice[]>;
  /** Releases what devices() opened, at worker shutdown. */
  close?(): void | Promise<void>;
}

/** Declares a plugin (the identity function; it gives a plain .js file editor help). */
export function definePlugin(plugin: DevicePlugin): DevicePlugin {
  return plugin;
}
