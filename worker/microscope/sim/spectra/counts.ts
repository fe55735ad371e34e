import type { Rng } from '../rng.js';

/**
 * A spectrum as a detector records it: each channel's expected value (`model` × `dose`) drawn
 * as Poisson counts, so that repeated acquisitions differ by shot noise alone and, for one
 * seed and acquisition number, replay exactly.
 */
export function poissonCounts(model: Float64Array, dose: number, rng: Rng): Float32Array {
  const out = new Float32Array(model.length);
  for (let i = 0; i < model.length; i++) {
    const lambda = model[i] * dose;
    out[i] = lambda > 0 ? rng.poisson(lambda) : 0;
  }
  return out;
}
