import type { Logger } from '../../protocol/index.js';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import type { Device } from '../devices/device.js';
import { createRig, microscopeDevices } from './devices/index.js';
import type { ImagingDeps, ImagingSettings } from './handlers/deps.js';
import { imagingModule } from './handlers/index.js';
import type { MethodModule } from '../engine/method-module.js';
import { AcquisitionBuffers } from './acquisition-buffers.js';
import { MicroscopeColumn } from './column.js';
import type { PayloadFormat } from './array-payload.js';
import { ImagingArtifacts } from './imaging-artifacts.js';
import { SimMicroscope } from './sim/sim-microscope.js';

/** The config file's `imaging:` section (see launcher/config/schema.ts). */
export interface ImagingConfig {
  microscope: 'simulated';
  seed: number;
  parameters: Array<{
    name: string;
    true_value: number;
    lower: number;
    upper: number;
    initial?: number;
  }>;
  blur_factor: number;
  drift_factor: number;
  poisson_noise_scale: number;
  scan_jitter: number;
  dwell_us: number;
  line_scan_return_gaussian_fit: boolean;
  png_bit_depth: 8 | 16;
  thumbnails: boolean;
  payload_format: PayloadFormat;
  keep_last: number;
  max_samples: number;
  scan_threads: number;
}

/** The imaging simulator as the worker serves it: EAA's methods and the microscope's devices. */
export interface Imaging {
  /** The EAA methods and the composite tools (autofocus, acquire_mosaic). */
  module: MethodModule;
  /** Microscope, ThermoMicroscope, Stage, HAADF, EELS, EDS, Corrector and Scan devices. */
  devices: Device[];
}

/**
 * Builds ONE simulated microscope (specimen, stage, optics, scan threads), its buffers and
 * artifacts, and both views of it: the imaging methods and the devices. Whatever one view does
 * (a stage move, a set_parameters, a frame pushed into the buffers) the other sees, and both
 * serialize on the same resource. The module's close() stops the scan threads.
 */
export function createImaging(config: ImagingConfig, store: ArtifactStore, log: Logger): Imaging {
  const settings: ImagingSettings = {
    lineScanReturnGaussianFit: config.line_scan_return_gaussian_fit,
    blurFactor: config.blur_factor,
    driftFactor: config.drift_factor,
    poissonNoiseScale: config.poisson_noise_scale,
    scanJitter: config.scan_jitter,
    pngBitDepth: config.png_bit_depth,
    thumbnails: config.thumbnails,
    payloadFormat: config.payload_format,
  };
  const microscope = new SimMicroscope(
    config.parameters.map((p) => ({
      name: p.name,
      lower: p.lower,
      upper: p.upper,
      initial: p.initial ?? p.upper,
      trueValue: p.true_value,
    })),
    settings,
    config.seed,
    config.scan_threads,
  );
  const deps: ImagingDeps = {
    microscope,
    column: new MicroscopeColumn(microscope, new AcquisitionBuffers()),
    artifacts: new ImagingArtifacts(store, config.keep_last),
    settings,
    maxSamples: config.max_samples,
    log,
  };
  return {
    module: imagingModule(deps, config.dwell_us),
    devices: microscopeDevices(createRig(microscope, deps)),
  };
}
