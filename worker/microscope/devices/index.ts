import { MICROSCOPE_RESOURCE } from '../../../protocol/methods/imaging.js';
import type { DeviceClass } from '../../devices/device-class.js';
import type { Device } from '../../devices/device.js';
import { Corrector } from './corrector.js';
import { EDS } from './eds.js';
import { EELS } from './eels.js';
import { HAADF } from './haadf.js';
import { Microscope } from './microscope.js';
import type { MicroscopeRig } from './rig.js';
import { Scan } from './scan.js';
import { Stage } from './stage.js';
import { ThermoMicroscope } from './thermo-microscope.js';

export { createRig, type MicroscopeRig } from './rig.js';
export { Corrector, EDS, EELS, HAADF, Microscope, Scan, Stage, ThermoMicroscope };

/** The simulated microscope's devices: device name → class, Asyncroscopy's device set. */
export const MICROSCOPE_DEVICES: ReadonlyArray<
  [name: string, deviceClass: DeviceClass<MicroscopeRig>]
> = [
  ['microscope', Microscope],
  ['thermo', ThermoMicroscope],
  ['stage', Stage],
  ['haadf', HAADF],
  ['eels', EELS],
  ['eds', EDS],
  ['corrector', Corrector],
  ['scan', Scan],
];

/**
 * One device per class over the one simulated microscope. They all serialize on the resource
 * the EAA imaging methods use, so a device command and an acquire_image never interleave, and
 * they all see (and move) the same stage, optics and buffers.
 */
export function microscopeDevices(rig: MicroscopeRig): Device<MicroscopeRig>[] {
  return MICROSCOPE_DEVICES.map(([name, deviceClass]) => ({
    name,
    deviceClass,
    state: rig,
    resource: MICROSCOPE_RESOURCE,
    origin: 'simulated',
    info: {
      model: 'labrelay simulated STEM',
      seed: rig.sim.seed,
      shares: 'specimen, stage, optics and image buffers with the EAA imaging tools',
    },
  }));
}
