import type { Identity } from '../idn.js';
import type { DeviceClass } from '../../devices/device-class.js';
import { HP34401A } from './hp-34401a.js';
import { HP3478A } from './hp-3478a.js';
import { HPE3631A } from './hp-e3631a.js';
import { Keithley2000 } from './keithley-2000.js';
import { TDS2024B } from './tek-scope.js';
import type { GpibState } from './scpi-driver.js';

/** One `*IDN?` pattern: manufacturer and model fields, matched whole. */
export interface IdnPattern {
  manufacturer: RegExp;
  model: RegExp;
}

/** A GPIB driver: its device class and the identities it serves. */
export interface GpibDriver {
  deviceClass: DeviceClass<GpibState>;
  /** Empty for instruments without `*IDN?` (bound only by a class named in the config). */
  idn: IdnPattern[];
}

/** HP's test-and-measurement line became Agilent (1999) and then Keysight (2014). */
const HP_LINE = /^(HEWLETT-PACKARD|AGILENT TECHNOLOGIES|KEYSIGHT TECHNOLOGIES)$/i;

/** Every GPIB driver, with the `*IDN?` replies it binds to (manufacturer, model). */
export const GPIB_DRIVERS: readonly GpibDriver[] = [
  // HEWLETT-PACKARD,34401A,0,11-5-2 (the original reports serial 0)
  { deviceClass: HP34401A, idn: [{ manufacturer: HP_LINE, model: /^34401A$/i }] },
  // HEWLETT-PACKARD,E3631A,0,2.1-5.0-1.0
  { deviceClass: HPE3631A, idn: [{ manufacturer: HP_LINE, model: /^E3631A$/i }] },
  // KEITHLEY INSTRUMENTS INC.,MODEL 2000,1234567,A20  /A02
  {
    deviceClass: Keithley2000,
    idn: [{ manufacturer: /^KEITHLEY INSTRUMENTS INC\.?$/i, model: /^MODEL 2000$/i }],
  },
  // The 3478A answers *IDN? with a syntax error: config only.
  { deviceClass: HP3478A, idn: [] },
  // TEKTRONIX,TDS 2024B,C012345,CF:91.1CT FV:v22.11, and its 1000/2000-series siblings.
  {
    deviceClass: TDS2024B,
    idn: [{ manufacturer: /^TEKTRONIX$/i, model: /^TDS ?[12]0[0-9][0-9][BC]?$/i }],
  },
];

/** The driver whose patterns match an identity, if any. */
export function driverForIdentity(identity: Identity): GpibDriver | undefined {
  return GPIB_DRIVERS.find((d) =>
    d.idn.some((p) => p.manufacturer.test(identity.manufacturer) && p.model.test(identity.model)),
  );
}

/** The driver of a class name as written in the config (exact, as tool names are). */
export function driverForClass(className: string): GpibDriver | undefined {
  return GPIB_DRIVERS.find((d) => d.deviceClass.name === className);
}

/** The class names a config may name for an instrument, e.g. HP3478A. */
export function gpibDriverClassNames(): string[] {
  return GPIB_DRIVERS.map((d) => d.deviceClass.name);
}

/** Every GPIB device class. */
export const gpibDeviceClasses: DeviceClass<GpibState>[] = GPIB_DRIVERS.map((d) => d.deviceClass);
