import type * as z from 'zod';
import { focusParameterName } from '../../../protocol/methods/imaging.js';
import type { ImagingDeps } from '../handlers/deps.js';
import type { SimMicroscope } from '../sim/sim-microscope.js';
import type { AttributeSpec, CommandSpec } from '../../devices/device-class.js';

/**
 * The one simulated microscope every device of this folder is a view of: the imaging
 * simulator (specimen, stage, optics, aberrations), the EAA methods' buffers and settings, and
 * the settings the devices hold, which the microscope reads when it acquires (as Asyncroscopy's
 * microscope reads its SCAN and EDS devices' attributes).
 */
export interface MicroscopeRig {
  sim: SimMicroscope;
  /** The EAA methods' state: buffers (frames go there too), settings, parameter history. */
  imaging: ImagingDeps;
  /** Index of the optics parameter taken for the focus (C1). */
  focusIndex: number;
  column: { voltageKv: number; magnification: number; probeCurrentPa: number };
  scan: { dwellUs: number; frameSize: number };
  haadf: { innerMrad: number; outerMrad: number };
  eels: { exposureMs: number; offsetEv: number; dispersionEv: number; channels: number };
  eds: { exposureMs: number; channelEv: number; channels: number };
  corrector: { status: string };
  /** Acquisitions so far, per random stream: with the seed they select each one's noise. */
  draws: { spectra: number; corrector: number };
}

/** Field of view at 1× magnification, nm: 1 Mx shows 100 nm, the default 500 kx 200 nm. */
export const FOV_AT_1X_NM = 1e8;

/** Builds the rig with Asyncroscopy-like defaults (a 200 kV STEM, 256² frames of 1 µs dwell). */
export function createRig(sim: SimMicroscope, imaging: ImagingDeps): MicroscopeRig {
  return {
    sim,
    imaging,
    focusIndex: sim.parameters.findIndex((p) => p.name === focusParameterName(sim.parameters)),
    column: { voltageKv: 200, magnification: 500_000, probeCurrentPa: 50 },
    scan: { dwellUs: 1, frameSize: 256 },
    haadf: { innerMrad: 50, outerMrad: 200 },
    eels: { exposureMs: 100, offsetEv: -20, dispersionEv: 0.5, channels: 2048 },
    eds: { exposureMs: 1000, channelEv: 10, channels: 2048 },
    corrector: { status: 'ready' },
    draws: { spectra: 0, corrector: 0 },
  };
}

/** The field of view now, nm (square). */
export function fieldOfViewNm(rig: MicroscopeRig): number {
  return FOV_AT_1X_NM / rig.column.magnification;
}

/** Declares a command of a device over the rig, its params and result types inferred. */
export function rigCommand<P extends z.ZodObject, R extends z.ZodType>(
  spec: CommandSpec<MicroscopeRig, P, R>,
): CommandSpec<MicroscopeRig, P, R> {
  return spec;
}

/** Declares an attribute of a device over the rig. */
export function rigAttribute<T extends z.ZodType>(
  spec: AttributeSpec<MicroscopeRig, T>,
): AttributeSpec<MicroscopeRig, T> {
  return spec;
}
