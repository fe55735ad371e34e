import { gaussianKernel } from './sim/blur.js';

/** FWHM of a Gaussian per unit σ, 2√(2 ln 2). EAA's `acquire_line_scan` rounds it to 2.35. */
export const FWHM_PER_SIGMA = 2.3548;

/** The result of fitGaussian1d: the model `a·exp(−(x−mu)²/(2·sigma²)) + c`, or why there is none. */
export type GaussianFit =
  | {
      ok: true;
      a: number;
      mu: number;
      sigma: number;
      c: number;
      /** FWHM_PER_SIGMA × |sigma|, in the units of x. */
      fwhm: number;
      /** `mean(((y − y_fit) / a)²)` over all finite points. */
      normalized_residual: number;
      /** Range of the finite input x (0, 0 when there is none). */
      x_min: number;
      x_max: number;
    }
  | { ok: false; reason: string; x_min: number; x_max: number };

/** Evaluates `a·exp(−(x−mu)²/(2·sigma²)) + c` (EAA's `gaussian_1d`). */
export function gaussian1d(x: number, a: number, mu: number, sigma: number, c: number): number {
  const d = x - mu;
  return a * Math.exp((-d * d) / (2 * sigma * sigma)) + c;
}

const MIN_POINTS = 5;
const MAX_EVALUATIONS = 20000; // EAA's maxfev

/**
 * Fits a Gaussian plus constant to a profile, step for step as `eaa_core.maths.fit_gaussian_1d`:
 * drop non-finite points and sort by x; smooth (σ = max(1, 0.02·N) samples, mode "nearest") to
 * find the peak and starting values; fit only points whose smoothed value is at least
 * `min + yThreshold·range` (all points if fewer than 5 qualify); bounded least squares; on
 * failure retry once with heavier smoothing; reject σ ≤ 0 or μ outside the data. Where EAA
 * returns NaN this returns `{ ok: false, reason }` with a sentence for a person.
 */
export function fitGaussian1d(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  yThreshold = 0,
): GaussianFit {
  const pairs: [number, number][] = [];
  const length = Math.min(x.length, y.length);
  for (let i = 0; i < length; i++) {
    if (Number.isFinite(x[i]) && Number.isFinite(y[i])) pairs.push([x[i], y[i]]);
  }
  pairs.sort((p, q) => p[0] - q[0]);
  const n = pairs.length;
  const xs = Float64Array.from(pairs, (p) => p[0]);
  const ys = Float64Array.from(pairs, (p) => p[1]);
  const xMin = n > 0 ? xs[0] : 0;
  const xMax = n > 0 ? xs[n - 1] : 0;
  const fail = (reason: string): GaussianFit => ({ ok: false, reason, x_min: xMin, x_max: xMax });

  if (x.length !== y.length) {
    return fail(`x and y have different lengths (${x.length} and ${y.length})`);
  }
  if (n < MIN_POINTS) {
    return fail(`only ${n} finite point${n === 1 ? '' : 's'}; a fit needs at least ${MIN_POINTS}`);
  }
  const span = xMax - xMin;
  if (!(span > 0)) return fail('all points have the same x, so there is no width to fit');
  const [yMin, yMax] = extremes(ys);
  const yRange = yMax - yMin;
  // numpy.isclose(range, 0) with its default atol of 1e-8, as EAA tests it.
  if (!(yRange > 1e-8)) {
    return fail(`the profile is flat (max - min = ${yRange === 0 ? 0 : yRange.toExponential(2)})`);
  }

  const smooth = smoothNearest(ys, Math.max(1, 0.02 * n));
  const [sMin, sMax] = extremes(smooth);
  const sRange = sMax - sMin;
  if (!(sRange > 1e-8)) return fail('the profile is flat once smoothed, so it has no peak');

  // Work in x relative to the smoothed peak, as EAA does, so μ starts near 0.
  const offset = xs[argMax(smooth)];
  const xc = xs.map((v) => v - offset);
  let mask = smooth.map((v) => (v >= sMin + yThreshold * sRange ? 1 : 0));
  if (count(mask) < MIN_POINTS) mask = mask.fill(1);

  // EAA starts μ at the centroid of the whole smoothed profile and σ from the outermost points
  // above half maximum. For a narrow peak away from the middle of a noisy profile the
  // background pulls that centroid off the peak, the model starts where there is no signal, and
  // the fit collapses to a = 0 (seen on EAA's own focusing scan). So a second start is tried,
  // from the run of points above half maximum around the peak, and the fit with the smaller
  // residual wins: wherever EAA's start finds the better minimum, the result is EAA's.
  const starts = (profile: Float64Array) => [
    eaaGuess(xc, profile, span),
    peakGuess(xc, profile, span),
  ];
  const aGuess = Math.max(sRange, Number.EPSILON);
  const unselected = ys.filter((_, i) => mask[i] === 0);
  const cGuess = unselected.length > 0 ? median(unselected) : sMin;
  const lower = [0, xc[0], Math.max(span / 1000, 1e-12), yMin - yRange];
  const upper = [2 * yRange + Math.abs(yMax), xc[n - 1], 2 * span, yMax + yRange];

  const fitFrom = (m: Float64Array, guesses: Array<[number, number]>) =>
    bestOf(
      xc,
      ys,
      m,
      guesses.map(([mu, sigma]) => fitMasked(xc, ys, m, [aGuess, mu, sigma, cGuess], lower, upper)),
    );
  let p = fitFrom(mask, starts(smooth));
  if (p === null) {
    const heavy = smoothNearest(ys, Math.max(2, 0.05 * n));
    const [hMin, hMax] = extremes(heavy);
    const retryMask = heavy.map((v) =>
      v >= hMin + Math.max(0.1, yThreshold) * (hMax - hMin) ? 1 : 0,
    );
    p = fitFrom(retryMask, starts(heavy));
  }
  if (p === null) {
    return fail('the least-squares fit did not converge, even after heavier smoothing');
  }
  const [a, mu, sigma, c] = p;
  if (!(sigma > 0)) return fail('the fitted width is not positive');
  if (!(mu >= xc[0] && mu <= xc[n - 1]))
    return fail('the fitted peak lies outside the scanned range');
  if (!(Math.abs(a) > 1e-8)) return fail('the fitted amplitude is zero, so there is no peak');
  let residual = 0;
  for (let i = 0; i < n; i++) {
    const r = (ys[i] - gaussian1d(xc[i], a, mu, sigma, c)) / a;
    residual += r * r;
  }
  return {
    ok: true,
    a,
    mu: mu + offset,
    sigma,
    c,
    fwhm: FWHM_PER_SIGMA * Math.abs(sigma),
    normalized_residual: residual / n,
    x_min: xMin,
    x_max: xMax,
  };
}

function fitMasked(
  xc: Float64Array,
  ys: Float64Array,
  mask: Float64Array,
  p0: number[],
  lower: number[],
  upper: number[],
): number[] | null {
  if (count(mask) < MIN_POINTS) return null;
  const fx = xc.filter((_, i) => mask[i] === 1);
  const fy = ys.filter((_, i) => mask[i] === 1);
  return boundedLevenbergMarquardt(fx, fy, p0, lower, upper);
}

/**
 * Levenberg–Marquardt for the 4-parameter Gaussian with box bounds. Like scipy's trust-region
 * reflective method (which curve_fit uses when given bounds), iterates stay strictly inside the
 * box: a step that would cross a bound goes only 90% of the way to it. This matters for the amplitude: at
 * a = 0 the model no longer depends on μ and σ, and an iterate clipped onto that bound would be
 * stuck there. A parameter within 1e-9 of the box width from a bound that the gradient pushes
 * outward is held fixed for the step, so minima on a bound are still found. Returns null if it
 * runs out of evaluations (EAA's maxfev) or meets a non-finite value.
 */
function boundedLevenbergMarquardt(
  x: Float64Array,
  y: Float64Array,
  p0: number[],
  lower: number[],
  upper: number[],
): number[] | null {
  const m = x.length;
  const width = lower.map((lo, j) => upper[j] - lo);
  const margin = width.map((w) => 1e-10 * w);
  // A component that would cross a bound goes 90% of the way there instead, then everything
  // stays `margin` inside (scipy's make_strictly_feasible).
  const inside = (v: number, j: number): number =>
    Math.min(Math.max(v, lower[j] + margin[j]), upper[j] - margin[j]);
  const project = (from: number, v: number, j: number): number => {
    if (v < lower[j]) v = lower[j] + 0.1 * (from - lower[j]);
    if (v > upper[j]) v = upper[j] - 0.1 * (upper[j] - from);
    return inside(v, j);
  };
  let p = p0.map(inside);
  let cost = sumOfSquares(x, y, p);
  if (!Number.isFinite(cost)) return null;
  let lambda = 1e-3;
  let evaluations = 1;
  const jac = new Float64Array(4);
  const h = new Float64Array(16);
  const g = new Float64Array(4);
  while (evaluations < MAX_EVALUATIONS) {
    // Normal equations JᵀJ·δ = −Jᵀr for residual r = model − y.
    h.fill(0);
    g.fill(0);
    const [a, mu, sigma] = p;
    for (let i = 0; i < m; i++) {
      const d = x[i] - mu;
      const e = Math.exp((-d * d) / (2 * sigma * sigma));
      const r = a * e + p[3] - y[i];
      jac[0] = e;
      jac[1] = (a * e * d) / (sigma * sigma);
      jac[2] = (a * e * d * d) / (sigma * sigma * sigma);
      jac[3] = 1;
      for (let j = 0; j < 4; j++) {
        g[j] += jac[j] * r;
        for (let k = 0; k <= j; k++) h[j * 4 + k] += jac[j] * jac[k];
      }
    }
    for (let j = 0; j < 4; j++) for (let k = 0; k < j; k++) h[k * 4 + j] = h[j * 4 + k];
    const atBound = (j: number) =>
      (p[j] - lower[j] <= 10 * margin[j] && g[j] > 0) ||
      (upper[j] - p[j] <= 10 * margin[j] && g[j] < 0);
    const free = [0, 1, 2, 3].filter((j) => !atBound(j));
    if (free.length === 0 || free.every((j) => g[j] === 0)) return p;
    const maxDiagonal = Math.max(...free.map((j) => h[j * 5]));

    let improved = false;
    while (!improved) {
      const step = solveDamped(h, g, free, lambda, maxDiagonal);
      if (step === null) {
        lambda *= 10;
      } else {
        const trial = p.map((v, j) => project(v, v + step[j], j));
        const trialCost = sumOfSquares(x, y, trial);
        evaluations++;
        if (trialCost < cost) {
          const reduction = cost - trialCost;
          let stepNorm = 0;
          let paramNorm = 0;
          for (let j = 0; j < 4; j++) {
            stepNorm += (trial[j] - p[j]) ** 2;
            paramNorm += trial[j] ** 2;
          }
          p = trial;
          cost = trialCost;
          lambda = Math.max(lambda / 3, 1e-15);
          improved = true;
          // Relative tolerances 100× tighter than scipy's defaults (1e-8), so that a short
          // step taken while the damping is still high does not end the fit early.
          if (
            reduction <= 1e-10 * cost ||
            Math.sqrt(stepNorm) <= 1e-10 * (1e-10 + Math.sqrt(paramNorm))
          ) {
            return p;
          }
        } else {
          lambda *= 4;
        }
      }
      // No step of any length lowers the cost: this is the minimum within the bounds.
      if (!improved && lambda > 1e15) return p;
      if (evaluations >= MAX_EVALUATIONS) return null;
    }
  }
  return null;
}

/** Solves (H + λ·diag(H))·δ = −g over the free parameters by Gaussian elimination; others get δ = 0. */
function solveDamped(
  h: Float64Array,
  g: Float64Array,
  free: number[],
  lambda: number,
  maxDiagonal: number,
): number[] | null {
  const k = free.length;
  const a = free.map((i) =>
    free.map(
      (j) => h[i * 4 + j] + (i === j ? lambda * Math.max(h[i * 5], 1e-12 * maxDiagonal) : 0),
    ),
  );
  const b = free.map((i) => -g[i]);
  for (let col = 0; col < k; col++) {
    let pivot = col;
    for (let r = col + 1; r < k; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    if (!(Math.abs(a[pivot][col]) > 0)) return null;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    [b[col], b[pivot]] = [b[pivot], b[col]];
    for (let r = col + 1; r < k; r++) {
      const f = a[r][col] / a[col][col];
      for (let c = col; c < k; c++) a[r][c] -= f * a[col][c];
      b[r] -= f * b[col];
    }
  }
  const solution = new Array<number>(k).fill(0);
  for (let r = k - 1; r >= 0; r--) {
    let s = b[r];
    for (let c = r + 1; c < k; c++) s -= a[r][c] * solution[c];
    solution[r] = s / a[r][r];
  }
  const step = [0, 0, 0, 0];
  free.forEach((j, i) => (step[j] = solution[i]));
  return step.every(Number.isFinite) ? step : null;
}

function sumOfSquares(x: Float64Array, y: Float64Array, p: number[]): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const r = gaussian1d(x[i], p[0], p[1], p[2], p[3]) - y[i];
    s += r * r;
  }
  return s;
}

/** `scipy.ndimage.gaussian_filter1d(values, sigma, mode="nearest")` in double precision. */
function smoothNearest(values: Float64Array, sigma: number): Float64Array {
  const w = gaussianKernel(sigma);
  const r = w.length - 1;
  const n = values.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = w[0] * values[i];
    for (let k = 1; k <= r; k++) {
      s += w[k] * (values[i - k < 0 ? 0 : i - k] + values[i + k >= n ? n - 1 : i + k]);
    }
    out[i] = s;
  }
  return out;
}

/** EAA's start: μ the centroid of the whole profile above its minimum, σ from the outermost points at or above half maximum. */
function eaaGuess(xc: Float64Array, smooth: Float64Array, span: number): [number, number] {
  const [low, high] = extremes(smooth);
  const half = low + 0.5 * (high - low);
  let sw = 0;
  let swx = 0;
  let left = Infinity;
  let right = -Infinity;
  for (let i = 0; i < xc.length; i++) {
    const w = Math.max(smooth[i] - low, 0);
    sw += w;
    swx += w * xc[i];
    if (smooth[i] >= half) {
      left = Math.min(left, xc[i]);
      right = Math.max(right, xc[i]);
    }
  }
  const sigma = right > left ? (right - left) / 2.355 : span / 6;
  return [sw > 0 ? swx / sw : 0, Math.min(Math.max(sigma, span / 100), span)];
}

/** Of several fits (null: did not converge), the one with the smallest squared residual on the masked points. */
function bestOf(
  xc: Float64Array,
  ys: Float64Array,
  mask: Float64Array,
  fits: Array<number[] | null>,
): number[] | null {
  let best: number[] | null = null;
  let bestCost = Infinity;
  for (const p of fits) {
    if (p === null) continue;
    let cost = 0;
    for (let i = 0; i < xc.length; i++) {
      if (mask[i] === 1) cost += (gaussian1d(xc[i], p[0], p[1], p[2], p[3]) - ys[i]) ** 2;
    }
    if (cost < bestCost) {
      best = p;
      bestCost = cost;
    }
  }
  return best;
}

/**
 * Starting μ and σ from the contiguous run of points at or above half maximum around the highest
 * point of `smooth`: μ is the run's centroid weighted by height above half maximum, σ the run's
 * width / 2.355 (one sample spacing when the run is a single point), clipped to [span/100, span].
 */
function peakGuess(xc: Float64Array, smooth: Float64Array, span: number): [number, number] {
  const [low, high] = extremes(smooth);
  const half = low + 0.5 * (high - low);
  const peak = argMax(smooth);
  let lo = peak;
  let hi = peak;
  while (lo > 0 && smooth[lo - 1] >= half) lo--;
  while (hi < smooth.length - 1 && smooth[hi + 1] >= half) hi++;
  let sw = 0;
  let swx = 0;
  for (let i = lo; i <= hi; i++) {
    const w = smooth[i] - half;
    sw += w;
    swx += w * xc[i];
  }
  const mu = sw > 0 ? swx / sw : xc[peak];
  const spacing = span / Math.max(1, smooth.length - 1);
  const width = hi > lo ? xc[hi] - xc[lo] : spacing;
  return [mu, Math.min(Math.max(width / 2.355, span / 100), span)];
}

function extremes(v: Float64Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const value of v) {
    if (value < lo) lo = value;
    if (value > hi) hi = value;
  }
  return [lo, hi];
}

function argMax(v: Float64Array): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

function count(mask: Float64Array): number {
  let k = 0;
  for (const v of mask) k += v;
  return k;
}

function median(v: Float64Array): number {
  const s = Float64Array.from(v).sort();
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : 0.5 * (s[mid - 1] + s[mid]);
}
