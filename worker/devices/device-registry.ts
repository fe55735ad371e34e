import type { DeviceClass } from './device-class.js';
import type { Device } from './device.js';

/**
 * The worker's devices and the classes they belong to. Discovery (a GPIB bus scan, the
 * simulated lab, a plugin) adds and removes devices here; every change is announced, and the
 * tools are rebuilt from what is here (see device-module.ts).
 */
export class DeviceRegistry {
  private readonly classes = new Map<string, DeviceClass>();
  private readonly devices = new Map<string, Device>();
  private readonly listeners = new Set<() => void>();

  /** Makes a class known (its tools appear once it has a device). Re-adding the same object is a no-op. */
  addClass(deviceClass: DeviceClass): void {
    const known = this.classes.get(deviceClass.name);
    if (known === deviceClass) return;
    if (known) throw new Error(`two device classes are named ${deviceClass.name}`);
    this.classes.set(deviceClass.name, deviceClass);
    this.changed();
  }

  /** Adds a device (and its class); names are unique. */
  add(device: Device): void {
    this.addAll([device]);
  }

  /** Adds several devices with one announcement. */
  addAll(devices: Device[]): void {
    for (const device of devices) {
      if (this.devices.has(device.name))
        throw new Error(`a device named ${device.name} exists already`);
      const known = this.classes.get(device.deviceClass.name);
      if (known && known !== device.deviceClass) {
        throw new Error(`two device classes are named ${device.deviceClass.name}`);
      }
    }
    for (const device of devices) {
      this.classes.set(device.deviceClass.name, device.deviceClass);
      this.devices.set(device.name, device);
    }
    if (devices.length > 0) this.changed();
  }

  /**
   * Replaces every device of one origin with `devices` (a bus rescan of one bridge): devices
   * that stay keep their state, new ones are added, vanished ones are closed and removed.
   */
  async replaceOrigin(origin: string, devices: Device[]): Promise<void> {
    const wanted = new Map(devices.map((d) => [d.name, d]));
    let changed = false;
    for (const [name, existing] of this.devices) {
      if (existing.origin !== origin) continue;
      const next = wanted.get(name);
      if (next && next.deviceClass === existing.deviceClass) {
        wanted.delete(name);
        continue;
      }
      this.devices.delete(name);
      changed = true;
      await existing.close?.();
    }
    for (const device of wanted.values()) {
      if (this.devices.has(device.name)) {
        throw new Error(
          `a device named ${device.name} exists already (from ${this.devices.get(device.name)!.origin})`,
        );
      }
      this.classes.set(device.deviceClass.name, device.deviceClass);
      this.devices.set(device.name, device);
      changed = true;
    }
    if (changed) this.changed();
  }

  get(name: string): Device | undefined {
    return this.devices.get(name);
  }

  /** Every device, by name. */
  list(): Device[] {
    // Numeric order, so bench-a/5 comes before bench-a/22.
    return [...this.devices.values()].sort((a, b) =>
      a.name.localeCompare(b.name, 'en', { numeric: true }),
    );
  }

  /** Every known class, by name. */
  listClasses(): DeviceClass[] {
    return [...this.classes.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The devices of one class, by name. */
  ofClass(className: string): Device[] {
    return this.list().filter((d) => d.deviceClass.name === className);
  }

  /** Calls `listener` after every change; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Closes every device (worker shutdown). */
  async close(): Promise<void> {
    for (const device of this.devices.values()) await device.close?.();
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
