import type { ImagingCatalog, Logger } from '../../../protocol/index.js';
import type { MicroscopeColumn } from '../column.js';
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
  /** The instrument, to scan and to read; its state changes through `column`. */
  microscope: ScanningMicroscope;
  /** The one owner of the optics history, the buffers and the stage. */
  column: MicroscopeColumn;
  artifacts: ImagingArtifacts;
  settings: ImagingSettings;
  /** Most samples along one side of a scan. */
  maxSamples: number;
  log: Logger;
}

/** A slice of the imaging handlers, by method name. */
export type ImagingHandlers<K extends keyof ImagingCatalog> = Pick<Handlers<ImagingCatalog>, K>;
