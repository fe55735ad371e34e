import type { OperationContext } from '../engine/method-module.js';
import type { XYStage } from './stage.js';

/** One optics parameter: its name, allowed range and (for a simulator) the value that focuses. */
export interface OpticsParameter {
  name: string;
  lower: number;
  upper: number;
  /** Where the microscope starts. */
  initial: number;
}

/** A 2D raster scan, stage units. The first sample is at (y0, x0); rows × cols samples. */
export interface ScanRequest {
  yCenter: number;
  xCenter: number;
  sizeY: number;
  sizeX: number;
  step: number;
  dwellUs: number;
  /**
   * Counts at the brightest pixel, when the caller knows the dose (a detector with its probe
   * current and dwell time); absent: the instrument's own noise setting.
   */
  noiseScale?: number;
}

/** A line scan, stage units; angle in degrees from +x, counter-clockwise. */
export interface LineRequest {
  yCenter: number;
  xCenter: number;
  length: number;
  step: number;
  angleDeg: number;
  dwellUs: number;
}

/** A scanned image: row-major float32, rows × cols. */
export interface ScannedImage {
  data: Float32Array;
  rows: number;
  cols: number;
  /** Statistics of `data`, when the instrument already has them (saves a pass over the image). */
  stats?: { min: number; max: number; mean: number };
}

/** A scanned line: sample values at distances along the line. */
export interface ScannedLine {
  distances: Float64Array;
  values: Float32Array;
}

/**
 * What the imaging methods need from a scanning microscope. The simulated one implements it;
 * an adapter for a real instrument implements the same, and no handler changes.
 */
export interface ScanningMicroscope {
  readonly kind: string;
  readonly parameters: ReadonlyArray<OpticsParameter>;
  /** The specimen stage; its position shifts every scan (see stage.ts). */
  readonly stage: XYStage;
  /** Scan coordinates of the optical axis: where detector frames and composite tools centre. */
  readonly fieldCenter: { x: number; y: number };
  /**
   * Scan coordinates where a short horizontal line scan crosses one sharp feature, for focusing
   * by line width when the caller names no place; absent when the instrument cannot know (a
   * real specimen), and then the caller must.
   */
  readonly focusLine?: { x: number; y: number };
  /** Current optics parameter values, in declaration order. */
  parameterValues(): number[];
  /** Moves the optics; values are already validated against the ranges. */
  setParameters(values: number[], op: OperationContext): Promise<void>;
  /** Scans an image; reports progress and stops at a line boundary when cancelled. */
  scanImage(request: ScanRequest, op: OperationContext): Promise<ScannedImage>;
  scanLine(request: LineRequest, op: OperationContext): Promise<ScannedLine>;
  /** Instrument-specific state worth reporting (blur and drift, for the simulator). */
  describeState(): Record<string, unknown>;
  /** Releases the instrument (threads, connections) at shutdown. */
  close?(): Promise<void>;
}

/** Number of samples numpy's arange(start, start + extent, step) produces. */
export function sampleCount(extent: number, step: number): number {
  return Math.max(0, Math.ceil(extent / step - 1e-9));
}
