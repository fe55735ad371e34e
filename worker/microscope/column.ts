import type { OperationContext } from '../engine/method-module.js';
import type { AcquisitionBuffers, LineScanCall } from './acquisition-buffers.js';
import type { ScannedImage, ScannedLine, ScanningMicroscope } from './microscope.js';
import type { StagePosition } from './stage.js';

/** The buffers as everyone but the column sees them: read, never pushed to. */
export type BufferReader = Omit<AcquisitionBuffers, 'pushImage' | 'pushLineScan'>;

/** Where an image was taken, in scan coordinates (EAA's image acquisition history entry). */
export interface ImagePlace {
  x_center: number;
  y_center: number;
  size_x: number;
  size_y: number;
}

/**
 * The microscope's state as the worker owns it, changed here and nowhere else: the optics with
 * their history (EAA's parameter_history), the image and line-scan buffers with their call
 * histories, and the stage. The EAA methods, autofocus and the mosaic, and the device classes
 * (a Corrector that refocuses, a detector frame, a Stage move) are all views that change it
 * through these methods, so what one does the others see, recorded the same way.
 */
export class MicroscopeColumn {
  private readonly history: Record<string, number[]> = {};

  constructor(
    readonly microscope: ScanningMicroscope,
    private readonly store: AcquisitionBuffers,
  ) {}

  /** The buffers, to read. */
  get buffers(): BufferReader {
    return this.store;
  }

  /** Values set per optics parameter, oldest first; a copy. */
  parameterHistory(): Record<string, number[]> {
    return structuredClone(this.history);
  }

  /** Moves the optics (values already validated) and records them, as set_parameters does. */
  async setParameters(values: number[], op: OperationContext): Promise<void> {
    await this.microscope.setParameters(values, op);
    this.microscope.parameters.forEach((p, i) => (this.history[p.name] ??= []).push(values[i]));
  }

  /**
   * An image becomes the current one (EAA's update_image_buffers); its history entry has one
   * pixel size for both axes, the scan step.
   */
  recordImage(image: ScannedImage, psize: number, at: ImagePlace): void {
    this.store.pushImage(image, psize, { ...at, psize_x: psize, psize_y: psize });
  }

  /** A line scan becomes the current one (line_scan_k), with its history entry. */
  recordLineScan(line: ScannedLine, call: LineScanCall): void {
    this.store.pushLineScan(line, call);
  }

  /** Moves the specimen stage; resolves with where it ended. */
  moveStage(target: StagePosition): Promise<StagePosition> {
    return this.microscope.stage.moveTo(target);
  }
}
