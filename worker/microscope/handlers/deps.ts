import type { ImagingCatalog, Logger } from '../../../protocol/index.js';
import type { AcquisitionBuffers } from '../acquisition-buffers.js';
import type { PayloadFormat } from '../array-payload.js';
import type { ImagingArtifacts } from '../imaging-artifacts.js';
import type { ScanningMicroscope } from '../microscope.js';
import type { Handlers } from '../../engine/method-module.js';

/** Settings of the imaging methods; the simulator reads its knobs from the same object. */
export interface ImagingSettings {
  lineScanReturnGaussianFit: boolean;
  blurFactor: number;
  driftFactor: number;
  poissonNoiseScale: number;
  scanJitter: number;
  pngBitDepth: 8 | 16;
  thumbnails: boolean;
  payloadFormat: PayloadFormat;
}

/** What the imaging handlers work with. */
export interface ImagingDeps {
  microscope: ScanningMicroscope;
  buffers: AcquisitionBuffers;
  artifacts: ImagingArtifacts;
  settings: ImagingSettings;
  /** Values set per parameter, oldest first (EAA's parameter_history). */
  parameterHistory: Record<string, number[]>;
  /** Most samples along one side of a scan. */
  maxSamples: number;
  log: Logger;
}

/** A slice of the imaging handlers, by method name. */
export type ImagingHandlers<K extends keyof ImagingCatalog> = Pick<Handlers<ImagingCatalog>, K>;
