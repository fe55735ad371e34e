import { blurColumns, blurPlan, blurRows } from './blur.js';
import { applyCounts } from './noise.js';
import { deriveSeed, Rng } from './rng.js';
import type { Sample } from './sample.js';
import { sampleGridRows, type Grid } from './sampling.js';

/**
 * Rows per block of the row phases and columns per band of the column phase. Blocks are the unit
 * of work handed to threads and of random streams, so an image depends on the seed and the scan,
 * never on the number of threads.
 */
export const BLOCK = 64;

/** One simulated raster scan, as sent to the scan threads (structured-clone safe). */
export interface ScanJob {
  grid: Grid;
  /** Stage drift [dy, dx]. */
  offset: [number, number];
  /** Half-width of the uniform position jitter, stage units. */
  jitter: number;
  /** Gaussian blur σ, in output samples (EAA's convention). */
  blur: number;
  /** EAA's poisson_noise_scale: counts at the brightest pixel; 0 for none. */
  noiseScale: number;
  seed: number;
  /** Which scan of the run this is: with the seed, it selects the random streams. */
  scanIndex: number;
}

/** Working memory of one scan, shared between threads: `a` ends as the image. */
export interface ScanBuffers {
  a: Float32Array;
  b: Float32Array;
}

/** What a thread is asked to do: a phase over blocks [from, to). */
export type PhaseRequest =
  | { phase: 'rows'; from: number; to: number }
  | { phase: 'columns'; from: number; to: number }
  | { phase: 'noise'; from: number; to: number; countsPerUnit: number };

/** Per-range statistics: max before noise (rows, columns), min/max/sum after (noise). */
export interface PhaseResult {
  min: number;
  max: number;
  sum: number;
}

const JITTER_STREAM = 1;
const NOISE_STREAM = 2;

/**
 * The phases of a scan. `rows`: sample the blocks' rows into `a`, and with blur run the row pass
 * into `b`. `columns` (blur only): the column pass from `b` back into `a`. `noise`: shot noise in
 * place in `a`, with the counts per unit from the maximum over the whole image. Every phase
 * touches only its own rows or columns, so phases run split over threads with no locks; between
 * phases all threads finish (the column pass needs every row).
 */
export function runPhase(
  sample: Sample,
  job: ScanJob,
  buffers: ScanBuffers,
  request: PhaseRequest,
): PhaseResult {
  const { rows, cols } = job.grid;
  const plan = blurPlan(rows, cols, job.blur);
  const { a, b } = buffers;
  const result: PhaseResult = { min: Infinity, max: -Infinity, sum: 0 };
  if (request.phase === 'columns') {
    const c0 = request.from * BLOCK;
    const c1 = Math.min(cols, request.to * BLOCK);
    blurColumns(plan, b, a, rows, cols, c0, c1);
    for (let r = 0; r < rows; r++) accumulate(a, r * cols + c0, r * cols + c1, result);
    return result;
  }
  for (let block = request.from; block < request.to; block++) {
    const r0 = block * BLOCK;
    const r1 = Math.min(rows, r0 + BLOCK);
    if (request.phase === 'rows') {
      const rng = job.jitter > 0 ? stream(job, block, JITTER_STREAM) : undefined;
      sampleGridRows(sample, job.grid, r0, r1, a, { offset: job.offset, jitter: job.jitter, rng });
      if (plan.kind === 'none') accumulate(a, r0 * cols, r1 * cols, result);
      else blurRows(plan, a, b, rows, cols, r0, r1);
    } else {
      const values = a.subarray(r0 * cols, r1 * cols);
      if (request.countsPerUnit > 0) {
        applyCounts(values, request.countsPerUnit, stream(job, block, NOISE_STREAM));
      }
      accumulate(a, r0 * cols, r1 * cols, result);
    }
  }
  return result;
}

/** Number of row blocks (and of column bands) of a grid. */
export function blockCounts(grid: Grid): { rowBlocks: number; columnBands: number } {
  return { rowBlocks: Math.ceil(grid.rows / BLOCK), columnBands: Math.ceil(grid.cols / BLOCK) };
}

/** Whether the scan needs the column phase. */
export function needsColumns(job: ScanJob): boolean {
  return blurPlan(job.grid.rows, job.grid.cols, job.blur).kind !== 'none';
}

/** Merges per-range results; NaN anywhere makes max NaN, as numpy's max would be. */
export function mergeResults(results: PhaseResult[]): PhaseResult {
  const merged: PhaseResult = { min: Infinity, max: -Infinity, sum: 0 };
  for (const r of results) {
    merged.min = Math.min(merged.min, r.min);
    merged.max = r.max !== r.max || merged.max !== merged.max ? NaN : Math.max(merged.max, r.max);
    merged.sum += r.sum;
  }
  return merged;
}

function stream(job: ScanJob, block: number, purpose: number): Rng {
  return new Rng(deriveSeed(job.seed, job.scanIndex, block, purpose));
}

function accumulate(values: Float32Array, from: number, to: number, into: PhaseResult): void {
  let { min, max, sum } = into;
  for (let i = from; i < to; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
    else if (v !== v) max = NaN;
    sum += v;
  }
  into.min = min;
  into.max = max;
  into.sum = sum;
}
