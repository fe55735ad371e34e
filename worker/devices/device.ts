import type { DeviceClass } from './device-class.js';

/**
 * One device: a named instance of a device class with its own state (a driver session on a
 * GPIB address, a view of the simulated microscope, a plugin's connection).
 */
export interface Device<S = any> {
  /** Unique in the worker: `microscope`, `bench-a/22`. Becomes the `device` argument's value. */
  name: string;
  deviceClass: DeviceClass<S>;
  state: S;
  /**
   * What its calls serialize on: calls on one resource run one at a time in arrival order. All
   * devices on one GPIB bridge share `gpib:<bridge>`, as instrument_query does, because the bus
   * is half-duplex and a driver command may take several transactions.
   */
  resource: string;
  /** Where it came from: `gpib:bench-a`, `simulated`, `plugin:./examples/my-detector.js`. */
  origin: string;
  /** Facts for list_devices and describe: identity, address, firmware… (JSON values). */
  info?: Record<string, unknown>;
  /** Releases what the device holds, when it is removed or the worker stops. */
  close?(): Promise<void> | void;
}
