/**
 * GPIB instruments as devices: drivers declared PyMeasure-style over a session per address,
 * bound to what each bridge's bus scan found (by `*IDN?`, or by a class named in the config).
 */
export {
  GPIB_DRIVERS,
  driverForClass,
  driverForIdentity,
  gpibDeviceClasses,
  gpibDriverClassNames,
  type GpibDriver,
  type IdnPattern,
} from '../drivers/driver-catalog.js';
export { bindGpibDevices, type GpibBinderOptions } from './gpib-binder.js';
export { GpibSession, gpibDeviceName, type Block } from './gpib-session.js';
export type { GpibContext, GpibState } from '../drivers/scpi-driver.js';
