import type { Rng } from './rng.js';
import type { Sample } from './sample.js';

/** A regular scan grid in stage units; the first sample is at (y0, x0), then every `step` along rows and columns. */
export interface Grid {
  y0: number;
  x0: number;
  step: number;
  rows: number;
  cols: number;
}

/** Scan imperfections applied while sampling. */
export interface SamplingOptions {
  /** Stage drift [dy, dx] added to every coordinate (EAA's `offset`). */
  offset?: [number, number];
  /** Half-width j of the uniform jitter U(−j, j) added to y and x of every point; needs `rng`. */
  jitter?: number;
  /** Source of the jitter. */
  rng?: Rng;
}

/**
 * `numpy.arange(start, stop, step)`: `ceil((stop − start) / step)` values `start + i·step`,
 * computed the same way so that EAA's sample counts (e.g. 35 for length 7, step 0.2) come out equal.
 */
export function arange(start: number, stop: number, step: number): Float64Array {
  if (!(Number.isFinite(start) && Number.isFinite(stop) && Number.isFinite(step)) || step === 0) {
    throw new RangeError('arange needs finite start, stop and a non-zero step');
  }
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = start + i * step;
  return out;
}

/**
 * The grid of EAA's `acquire_image(y_center, x_center, size_y, size_x, scan_step)`:
 * `arange(c − size/2, c − size/2 + size, step)` on each axis (64×64 for size 64, step 1).
 */
export function imageGrid(options: {
  yCenter: number;
  xCenter: number;
  sizeY: number;
  sizeX: number;
  step: number;
}): Grid {
  const { yCenter, xCenter, sizeY, sizeX, step } = options;
  const y0 = yCenter - sizeY / 2;
  const x0 = xCenter - sizeX / 2;
  if (!(step > 0) || !Number.isFinite(y0 + x0 + sizeY + sizeX + step)) {
    throw new RangeError('an image grid needs finite centre and size and a positive step');
  }
  return {
    y0,
    x0,
    step,
    rows: Math.max(0, Math.ceil((y0 + sizeY - y0) / step)),
    cols: Math.max(0, Math.ceil((x0 + sizeX - x0) / step)),
  };
}

/**
 * Samples `sample` bilinearly on `grid` (0 outside the sample), row-major `rows × cols`.
 * Without jitter each row shares one set of column weights, computed once, so the inner loop
 * is four loads and three multiply-adds per pixel.
 */
export function sampleGrid(
  sample: Sample,
  grid: Grid,
  options: SamplingOptions = {},
): Float32Array {
  const { rows, cols } = grid;
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new RangeError('grid rows and cols must be non-negative integers');
  }
  const out = new Float32Array(rows * cols);
  sampleGridRows(sample, grid, 0, rows, out, options);
  return out;
}

/**
 * Rows [r0, r1) of sampleGrid, written into `out` (all `rows × cols` of it, row-major) in place;
 * each row's coordinates are computed exactly as for the whole grid, so bands of rows sampled
 * apart (on several threads) give the same image. With jitter the draws come from `rng` in
 * row-major order within the band.
 */
export function sampleGridRows(
  sample: Sample,
  grid: Grid,
  r0: number,
  r1: number,
  out: Float32Array,
  options: SamplingOptions = {},
): void {
  const { cols, step } = grid;
  const [dy, dx] = options.offset ?? [0, 0];
  const jitter = checkedJitter(options);
  const { width, height, data } = sample;
  if (jitter > 0) {
    // Every point has its own coordinates, so this is Sample.at inlined (a call per pixel
    // costs about as much again).
    const rng = options.rng!;
    const span = 2 * jitter;
    for (let r = r0; r < r1; r++) {
      const yRow = grid.y0 + r * step + dy - jitter;
      for (let c = 0; c < cols; c++) {
        const y = yRow + span * rng.next();
        const x = grid.x0 + c * step + dx - jitter + span * rng.next();
        if (!(y >= 0 && y <= height - 1 && x >= 0 && x <= width - 1)) continue;
        const y0 = Math.min(Math.floor(y), height - 2);
        const x0 = Math.min(Math.floor(x), width - 2);
        const fy = y - y0;
        const fx = x - x0;
        const i = y0 * width + x0;
        const t = data[i] + fx * (data[i + 1] - data[i]);
        const b = data[i + width] + fx * (data[i + width + 1] - data[i + width]);
        out[r * cols + c] = t + fy * (b - t);
      }
    }
    return;
  }

  // Per column: the left source column (−1 when outside the sample) and the weight of the right one.
  const colIndex = new Int32Array(cols);
  const colWeight = new Float64Array(cols);
  for (let c = 0; c < cols; c++) {
    const x = grid.x0 + c * step + dx;
    if (!(x >= 0 && x <= width - 1)) {
      colIndex[c] = -1;
      continue;
    }
    const x0 = Math.min(Math.floor(x), width - 2);
    colIndex[c] = x0;
    colWeight[c] = x - x0;
  }
  for (let r = r0; r < r1; r++) {
    const y = grid.y0 + r * step + dy;
    if (!(y >= 0 && y <= height - 1)) continue; // the row stays 0
    const y0 = Math.min(Math.floor(y), height - 2);
    const fy = y - y0;
    const top = y0 * width;
    const bottom = top + width;
    const o = r * cols;
    for (let c = 0; c < cols; c++) {
      const i = colIndex[c];
      if (i < 0) continue;
      const fx = colWeight[c];
      const t = data[top + i] + fx * (data[top + i + 1] - data[top + i]);
      const b = data[bottom + i] + fx * (data[bottom + i + 1] - data[bottom + i]);
      out[o + c] = t + fy * (b - t);
    }
  }
}

/**
 * Samples `sample` at `start + d·unit` for each distance d (EAA's line scan: start and unit are
 * [y, x]), bilinearly, 0 outside.
 */
export function sampleLine(
  sample: Sample,
  start: [number, number],
  unit: [number, number],
  distances: Float64Array,
  options: SamplingOptions = {},
): Float32Array {
  const [dy, dx] = options.offset ?? [0, 0];
  const jitter = checkedJitter(options);
  const out = new Float32Array(distances.length);
  for (let i = 0; i < distances.length; i++) {
    let y = start[0] + distances[i] * unit[0] + dy;
    let x = start[1] + distances[i] * unit[1] + dx;
    if (jitter > 0) {
      y += options.rng!.uniform(-jitter, jitter);
      x += options.rng!.uniform(-jitter, jitter);
    }
    out[i] = sample.at(y, x);
  }
  return out;
}

function checkedJitter(options: SamplingOptions): number {
  const jitter = options.jitter ?? 0;
  if (!(jitter >= 0) || !Number.isFinite(jitter)) {
    throw new RangeError('jitter must be a finite number ≥ 0');
  }
  if (jitter > 0 && options.rng === undefined) {
    throw new TypeError('jitter needs an rng, so that scans stay reproducible');
  }
  return jitter;
}
