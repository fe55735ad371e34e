/**
 * The normalised variance σ²/μ² of an image (Groen, Young & Ligthart 1985): blur spreads bright
 * features into their surroundings and lowers it, while dividing by μ² makes it indifferent to
 * the overall brightness. Shot noise adds a share that falls with blur too, so it still peaks
 * at focus. 0 for an empty or all-zero image.
 */
export function normalizedVariance(data: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum += data[i];
  const mean = data.length ? sum / data.length : 0;
  if (!(mean > 0)) return 0;
  let squares = 0;
  for (let i = 0; i < data.length; i++) {
    const d = data[i] - mean;
    squares += d * d;
  }
  return squares / data.length / (mean * mean);
}

/**
 * The best of a sweep, `higher` or lower scores being better, ignoring null (unscored) steps;
 * with `refine`, the vertex of the parabola through the best step and its two neighbours when
 * they exist, are scored and make a peak, clamped between those neighbours. Returns null when
 * no step has a score.
 */
export function bestOfSweep(
  values: number[],
  scores: Array<number | null>,
  options: { higher: boolean; refine: boolean },
): { index: number; value: number; score: number; refined: boolean } | null {
  const sign = options.higher ? 1 : -1;
  let index = -1;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (s === null) continue;
    if (index < 0 || sign * s > sign * scores[index]!) index = i;
  }
  if (index < 0) return null;
  const best = { index, value: values[index], score: scores[index]!, refined: false };
  if (!options.refine || index === 0 || index === values.length - 1) return best;
  const [a, b, c] = [scores[index - 1], scores[index], scores[index + 1]];
  if (a === null || b === null || c === null) return best;
  const [x0, x1, x2] = [values[index - 1], values[index], values[index + 1]];
  // Vertex of the parabola through three points (any spacing).
  const d1 = (x1 - x0) * (b - c);
  const d2 = (x1 - x2) * (b - a);
  const denominator = d1 - d2;
  if (denominator === 0) return best;
  const vertex = x1 - (0.5 * ((x1 - x0) * d1 - (x1 - x2) * d2)) / denominator;
  if (!Number.isFinite(vertex)) return best;
  const low = Math.min(x0, x2);
  const high = Math.max(x0, x2);
  return { ...best, value: Math.min(high, Math.max(low, vertex)), refined: true };
}
