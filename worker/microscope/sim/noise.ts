import type { Rng } from './rng.js';

/**
 * Adds shot noise in place, as EAA's `SimulatedAcquireImage._sample` does:
 * `s = scale / max(arr)`, then `arr = poisson(clip(arr·s, 0)) / s`. The brightest value thus gets
 * about `scale` counts, and a value v comes out with mean v and variance v / s. Counts are exact
 * Poisson draws below a mean of 30 and the normal approximation above (see Rng.poisson).
 * Nothing happens when the maximum is not > 0 (as in EAA; a NaN anywhere makes numpy's maximum
 * NaN) or when `scale` ≤ 0, where EAA would divide by zero.
 */
export function applyPoissonNoise(values: Float32Array, scale: number, rng: Rng): void {
  const s = countsPerUnit(maxValue(values), scale);
  if (s > 0) applyCounts(values, s, rng);
}

/** The largest value, or NaN when any value is NaN (as numpy's max). */
export function maxValue(values: Float32Array): number {
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v > max) max = v;
    else if (v !== v) return NaN;
  }
  return max;
}

/** EAA's `scale / max(arr)`: counts per unit of value; 0 when no noise is to be added. */
export function countsPerUnit(max: number, scale: number): number {
  if (!(scale > 0) || !Number.isFinite(scale) || !(max > 0)) return 0;
  return scale / max;
}

/**
 * `poisson(clip(v·s, 0)) / s` for every value, in place; `s` from countsPerUnit over the whole
 * image, so that bands of an image can take their draws apart (each from its own stream).
 */
export function applyCounts(values: Float32Array, s: number, rng: Rng): void {
  const inverse = 1 / s;
  for (let i = 0; i < values.length; i++) {
    const lambda = values[i] * s;
    values[i] = lambda > 0 ? rng.poisson(lambda) * inverse : 0;
  }
}
