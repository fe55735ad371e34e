/**
 * Gaussian blur as EAA applies it: `scipy.ndimage.gaussian_filter(arr, sigma, mode="nearest")`,
 * sigma in samples of the array being blurred.
 *
 * Two 2D methods:
 * - **exact**: separable convolution with scipy's kernel (radius `floor(4σ + 0.5)`, normalised
 *   samples of the Gaussian); the reference, and always used for 1D profiles and small images.
 * - **recursive**: the Young–van Vliet third-order recursive filter (a forward and a backward pass
 *   per axis), whose cost does not grow with σ. Used from RECURSIVE_MIN_SIGMA on large images,
 *   where the exact kernel gets too long for the acquisition budget (exact σ = 5 on 1024² takes
 *   about 60 ms here, recursive about 12 ms). Its response is a little more peaked, with longer
 *   tails, than a Gaussian: the pointwise error is 8% of the peak at σ = 2, 4.3% at σ = 5 and
 *   2.7% at σ = 12. With the published σ → q formula a thin line also comes out 3–6% too narrow,
 *   so q is calibrated numerically until the filter's FWHM equals the exact kernel's. The FWHM
 *   of a 1-unit line then differs from the exact blur's by < 2% for σ ≥ 2 (1.6% at σ = 2, 0.2%
 *   at σ = 5), which the tests check.
 */

/** From this σ, large images are blurred with the recursive filter. */
export const RECURSIVE_MIN_SIGMA = 2;

/** Images with fewer kernel taps × pixels than this are blurred exactly whatever σ (it costs < 10 ms). */
const EXACT_WORK_LIMIT = 1 << 22;

/**
 * Blurs a row-major `rows × cols` image with a Gaussian of `sigma` samples, edges extended with
 * the nearest value; returns a new array (a copy when sigma ≤ 0 or is not finite).
 */
export function gaussianBlur2d(
  image: Float32Array,
  rows: number,
  cols: number,
  sigma: number,
): Float32Array {
  checkShape(image, rows, cols);
  return applyPlan(blurPlan(rows, cols, sigma), image, rows, cols);
}

/** Both passes of `plan` over the whole image, into a new array. */
function applyPlan(plan: BlurPlan, image: Float32Array, rows: number, cols: number): Float32Array {
  if (plan.kind === 'none') return image.slice();
  const tmp = new Float32Array(rows * cols);
  const out = new Float32Array(rows * cols);
  blurRows(plan, image, tmp, rows, cols, 0, rows);
  blurColumns(plan, tmp, out, rows, cols, 0, cols);
  return out;
}

/** How an image is blurred: nothing, the exact kernel, or the recursive filter. */
export type BlurPlan =
  | { kind: 'none' }
  | { kind: 'exact'; w: Float64Array }
  | { kind: 'recursive'; k: RecursiveCoefficients };

/**
 * The method for a `rows × cols` image and `sigma` (samples). A blur is its row pass over all
 * rows, then its column pass over all columns; each pass may be split into bands of rows or of
 * columns that run independently (on several threads, see scan-pool.ts) with the same result.
 */
export function blurPlan(rows: number, cols: number, sigma: number): BlurPlan {
  if (!(sigma > 0) || !Number.isFinite(sigma)) return { kind: 'none' };
  const radius = kernelRadius(sigma);
  if (radius === 0) return { kind: 'none' };
  const useRecursive =
    sigma >= RECURSIVE_MIN_SIGMA &&
    rows >= 4 &&
    cols >= 4 &&
    rows * cols * radius > EXACT_WORK_LIMIT;
  return useRecursive
    ? { kind: 'recursive', k: recursiveCoefficients(sigma) }
    : { kind: 'exact', w: gaussianKernel(sigma) };
}

/** The row pass of `plan` over rows [r0, r1) of `src` into the same rows of `dst`. */
export function blurRows(
  plan: BlurPlan,
  src: Float32Array,
  dst: Float32Array,
  rows: number,
  cols: number,
  r0: number,
  r1: number,
): void {
  if (plan.kind === 'exact') convolveRows(src, cols, plan.w, dst, r0, r1);
  else if (plan.kind === 'recursive') recursiveRows(src, cols, plan.k, dst, r0, r1);
  else dst.set(src.subarray(r0 * cols, r1 * cols), r0 * cols);
}

/** The column pass of `plan` over columns [c0, c1) of `src` into the same columns of `dst`. */
export function blurColumns(
  plan: BlurPlan,
  src: Float32Array,
  dst: Float32Array,
  rows: number,
  cols: number,
  c0: number,
  c1: number,
): void {
  if (plan.kind === 'exact') convolveColumns(src, rows, cols, plan.w, dst, c0, c1);
  else if (plan.kind === 'recursive') recursiveColumns(src, rows, cols, plan.k, dst, c0, c1);
  else
    for (let r = 0; r < rows; r++)
      dst.set(src.subarray(r * cols + c0, r * cols + c1), r * cols + c0);
}

/** Blurs a profile with a Gaussian of `sigma` samples, mode "nearest", always with the exact kernel. */
export function gaussianBlur1d(values: Float32Array, sigma: number): Float32Array {
  if (!(sigma > 0) || !Number.isFinite(sigma) || values.length === 0) return values.slice();
  const w = gaussianKernel(sigma);
  const r = w.length - 1;
  const n = values.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = w[0] * values[i];
    for (let k = 1; k <= r; k++) {
      const lo = i - k < 0 ? 0 : i - k;
      const hi = i + k >= n ? n - 1 : i + k;
      s += w[k] * (values[lo] + values[hi]);
    }
    out[i] = s;
  }
  return out;
}

/** scipy's kernel radius for truncate = 4: `int(4σ + 0.5)`. */
export function kernelRadius(sigma: number): number {
  return Math.floor(4 * sigma + 0.5);
}

/** The non-negative half of scipy's normalised Gaussian kernel: weights for offsets 0 … radius. */
export function gaussianKernel(sigma: number): Float64Array {
  const r = kernelRadius(sigma);
  const w = new Float64Array(r + 1);
  let total = 0;
  for (let k = 0; k <= r; k++) {
    w[k] = Math.exp((-0.5 * k * k) / (sigma * sigma));
    total += k === 0 ? w[k] : 2 * w[k];
  }
  for (let k = 0; k <= r; k++) w[k] /= total;
  return w;
}

/** The exact separable blur (see the module comment); exported so tests can compare the methods. */
export function gaussianBlur2dExact(
  image: Float32Array,
  rows: number,
  cols: number,
  sigma: number,
): Float32Array {
  checkShape(image, rows, cols);
  if (!(sigma > 0) || !Number.isFinite(sigma)) return image.slice();
  return applyPlan({ kind: 'exact', w: gaussianKernel(sigma) }, image, rows, cols);
}

/** Horizontal pass. Four outputs at a time, so four independent sums keep the FPU busy. */
function convolveRows(
  src: Float32Array,
  cols: number,
  w: Float64Array,
  dst: Float32Array,
  r0: number,
  r1: number,
): void {
  const r = w.length - 1;
  const w0 = w[0];
  // The row with `r` copies of its end values on each side ("nearest"), plus 3 spare for the blocks of 4.
  const buf = new Float64Array(cols + 2 * r + 3);
  for (let y = r0; y < r1; y++) {
    const o = y * cols;
    const first = src[o];
    const last = src[o + cols - 1];
    for (let i = 0; i < r; i++) buf[i] = first;
    for (let c = 0; c < cols; c++) buf[r + c] = src[o + c];
    for (let i = r + cols; i < buf.length; i++) buf[i] = last;
    let c = 0;
    for (; c + 3 < cols; c += 4) {
      const m = c + r;
      let s0 = w0 * buf[m];
      let s1 = w0 * buf[m + 1];
      let s2 = w0 * buf[m + 2];
      let s3 = w0 * buf[m + 3];
      for (let k = 1; k <= r; k++) {
        const wk = w[k];
        const lo = m - k;
        const hi = m + k;
        s0 += wk * (buf[lo] + buf[hi]);
        s1 += wk * (buf[lo + 1] + buf[hi + 1]);
        s2 += wk * (buf[lo + 2] + buf[hi + 2]);
        s3 += wk * (buf[lo + 3] + buf[hi + 3]);
      }
      dst[o + c] = s0;
      dst[o + c + 1] = s1;
      dst[o + c + 2] = s2;
      dst[o + c + 3] = s3;
    }
    for (; c < cols; c++) {
      const m = c + r;
      let s = w0 * buf[m];
      for (let k = 1; k <= r; k++) s += w[k] * (buf[m - k] + buf[m + k]);
      dst[o + c] = s;
    }
  }
}

/** Vertical pass, a whole row at a time (sequential memory access), four kernel taps per sweep. */
function convolveColumns(
  src: Float32Array,
  rows: number,
  cols: number,
  w: Float64Array,
  dst: Float32Array,
  c0: number,
  c1: number,
): void {
  const r = w.length - 1;
  const rowStart = new Int32Array(2 * r + 1); // start of source row y + k, clamped, at index k + r
  for (let y = 0; y < rows; y++) {
    const o = y * cols;
    for (let k = -r; k <= r; k++) {
      const yy = y + k;
      rowStart[k + r] = (yy < 0 ? 0 : yy >= rows ? rows - 1 : yy) * cols;
    }
    const w0 = w[0];
    for (let c = c0; c < c1; c++) dst[o + c] = w0 * src[o + c];
    let k = 1;
    for (; k + 3 <= r; k += 4) {
      const a1 = rowStart[r - k];
      const b1 = rowStart[r + k];
      const a2 = rowStart[r - k - 1];
      const b2 = rowStart[r + k + 1];
      const a3 = rowStart[r - k - 2];
      const b3 = rowStart[r + k + 2];
      const a4 = rowStart[r - k - 3];
      const b4 = rowStart[r + k + 3];
      const w1 = w[k];
      const w2 = w[k + 1];
      const w3 = w[k + 2];
      const w4 = w[k + 3];
      for (let c = c0; c < c1; c++) {
        dst[o + c] +=
          w1 * (src[a1 + c] + src[b1 + c]) +
          w2 * (src[a2 + c] + src[b2 + c]) +
          (w3 * (src[a3 + c] + src[b3 + c]) + w4 * (src[a4 + c] + src[b4 + c]));
      }
    }
    for (; k <= r; k++) {
      const a = rowStart[r - k];
      const b = rowStart[r + k];
      const wk = w[k];
      for (let c = c0; c < c1; c++) dst[o + c] += wk * (src[a + c] + src[b + c]);
    }
  }
}

/** Coefficients of one Young–van Vliet filter: w[n] = B·x[n] + a1·w[n−1] + a2·w[n−2] + a3·w[n−3]. */
export interface RecursiveCoefficients {
  b: number;
  a1: number;
  a2: number;
  a3: number;
  /** Samples after which the impulse response is below 1e-7 of its peak: how far to extend the last value. */
  tail: number;
}

const coefficientCache = new Map<number, RecursiveCoefficients>();

/** The recursive approximation (see the module comment); exported so tests can check its accuracy. */
export function gaussianBlur2dRecursive(
  image: Float32Array,
  rows: number,
  cols: number,
  sigma: number,
): Float32Array {
  checkShape(image, rows, cols);
  if (!(sigma > 0) || !Number.isFinite(sigma)) return image.slice();
  if (rows < 4 || cols < 4) return gaussianBlur2dExact(image, rows, cols, sigma);
  return applyPlan({ kind: 'recursive', k: recursiveCoefficients(sigma) }, image, rows, cols);
}

/** Young & van Vliet (1995), eq. 8c: the filter for scale parameter q. */
function youngVanVliet(q: number): Omit<RecursiveCoefficients, 'tail'> {
  const q2 = q * q;
  const q3 = q2 * q;
  const b0 = 1.57825 + 2.44413 * q + 1.4281 * q2 + 0.422205 * q3;
  const a1 = (2.44413 * q + 2.85619 * q2 + 1.26661 * q3) / b0;
  const a2 = -(1.4281 * q2 + 1.26661 * q3) / b0;
  const a3 = (0.422205 * q3) / b0;
  return { b: 1 - (a1 + a2 + a3), a1, a2, a3 };
}

/**
 * Finds q whose forward–backward filter has the same FWHM as the exact kernel for `sigma`,
 * by bisection on an impulse response (< 1 ms for σ ≤ 50); results are cached per σ.
 */
function recursiveCoefficients(sigma: number): RecursiveCoefficients {
  const cached = coefficientCache.get(sigma);
  if (cached !== undefined) return cached;
  const n = 2 * Math.ceil(16 * sigma + 16) + 1;
  const impulse = new Float32Array(n);
  impulse[(n - 1) / 2] = 1;
  const target = halfMaxWidth(gaussianBlur1d(impulse, sigma));
  const response = new Float64Array(n);
  let lo = 0.2 * sigma;
  let hi = 2 * sigma + 2;
  for (let i = 0; i < 48; i++) {
    const q = 0.5 * (lo + hi);
    filterLine(impulse, n, { ...youngVanVliet(q), tail: n }, response);
    if (halfMaxWidth(response) > target) hi = q;
    else lo = q;
  }
  const k = youngVanVliet(0.5 * (lo + hi));
  // How long the forward pass takes to forget a step: beyond it, extending the edge is exact to 1e-7.
  let w1 = 1;
  let w2 = 0;
  let w3 = 0;
  let tail = 1;
  let peak = 1;
  while (tail < 100 * sigma + 100) {
    const v = k.a1 * w1 + k.a2 * w2 + k.a3 * w3;
    w3 = w2;
    w2 = w1;
    w1 = v;
    peak = Math.max(peak, Math.abs(v));
    tail++;
    if (Math.abs(v) < 1e-7 * peak && Math.abs(w2) < 1e-7 * peak) break;
  }
  const coefficients = { ...k, tail };
  if (coefficientCache.size >= 64) coefficientCache.clear();
  coefficientCache.set(sigma, coefficients);
  return coefficients;
}

/** Forward–backward filtering of one line (used for calibration; the image passes inline the same steps). */
function filterLine(
  x: ArrayLike<number>,
  n: number,
  k: RecursiveCoefficients,
  y: Float64Array,
): void {
  const { b, a1, a2, a3, tail } = k;
  const w = new Float64Array(n + tail);
  let w1 = x[0];
  let w2 = x[0];
  let w3 = x[0];
  for (let i = 0; i < n + tail; i++) {
    const v = b * (i < n ? x[i] : x[n - 1]) + a1 * w1 + a2 * w2 + a3 * w3;
    w[i] = v;
    w3 = w2;
    w2 = w1;
    w1 = v;
  }
  let y1 = x[n - 1];
  let y2 = y1;
  let y3 = y1;
  for (let i = n + tail - 1; i >= 0; i--) {
    const v = b * w[i] + a1 * y1 + a2 * y2 + a3 * y3;
    if (i < n) y[i] = v;
    y3 = y2;
    y2 = y1;
    y1 = v;
  }
}

/**
 * Rows: forward from the steady state of the first value (exact for "nearest"), on through
 * `tail` copies of the last value, then backward from the steady state of the last value. Each
 * recursion step waits for the previous one, so two rows are filtered side by side to give the
 * CPU two independent chains (this halves the time of the pass).
 */
function recursiveRows(
  src: Float32Array,
  cols: number,
  k: RecursiveCoefficients,
  dst: Float32Array,
  r0: number,
  r1: number,
): void {
  const { b, a1, a2, a3, tail } = k;
  const length = cols + tail;
  const w = new Float64Array(2 * length); // forward results: first row at 0, second at `length`
  let r = r0;
  for (; r + 1 < r1; r += 2) {
    const o = r * cols;
    const o2 = o + cols;
    const last = src[o + cols - 1];
    const last2 = src[o2 + cols - 1];
    let w1 = src[o];
    let w2 = w1;
    let w3 = w1;
    let v1 = src[o2];
    let v2 = v1;
    let v3 = v1;
    for (let i = 0; i < length; i++) {
      const x = i < cols ? src[o + i] : last;
      const x2 = i < cols ? src[o2 + i] : last2;
      const p = b * x + a1 * w1 + a2 * w2 + a3 * w3;
      const q = b * x2 + a1 * v1 + a2 * v2 + a3 * v3;
      w[i] = p;
      w[length + i] = q;
      w3 = w2;
      w2 = w1;
      w1 = p;
      v3 = v2;
      v2 = v1;
      v1 = q;
    }
    let y1 = last;
    let y2 = last;
    let y3 = last;
    let z1 = last2;
    let z2 = last2;
    let z3 = last2;
    for (let i = length - 1; i >= 0; i--) {
      const p = b * w[i] + a1 * y1 + a2 * y2 + a3 * y3;
      const q = b * w[length + i] + a1 * z1 + a2 * z2 + a3 * z3;
      if (i < cols) {
        dst[o + i] = p;
        dst[o2 + i] = q;
      }
      y3 = y2;
      y2 = y1;
      y1 = p;
      z3 = z2;
      z2 = z1;
      z1 = q;
    }
  }
  if (r < r1) {
    // An odd last row on its own.
    const o = r * cols;
    const y = new Float64Array(cols);
    filterLine(src.subarray(o, o + cols), cols, k, y);
    dst.set(y, o);
  }
}

/**
 * Columns [c0, c1), as for rows but a whole band row per step, so memory is read in order.
 * The forward results go to a band-sized scratch array, the backward results to `dst`.
 */
function recursiveColumns(
  src: Float32Array,
  rows: number,
  cols: number,
  k: RecursiveCoefficients,
  dst: Float32Array,
  c0: number,
  c1: number,
): void {
  const { b, a1, a2, a3, tail } = k;
  const total = rows + tail;
  const band = c1 - c0;
  // Forward results for the image rows and the `tail` extension rows, `band` wide.
  const w = new Float32Array(total * band);
  const lastRow = (rows - 1) * cols;
  for (let r = 0; r < total; r++) {
    const o = r * band;
    const s = (r < rows ? r : rows - 1) * cols + c0;
    // Before row 0 the forward state is the steady state of row 0, i.e. row 0 itself.
    const [p1, q1] = r >= 1 ? [w, o - band] : [src, c0];
    const [p2, q2] = r >= 2 ? [w, o - 2 * band] : [src, c0];
    const [p3, q3] = r >= 3 ? [w, o - 3 * band] : [src, c0];
    for (let c = 0; c < band; c++) {
      w[o + c] = b * src[s + c] + a1 * p1[q1 + c] + a2 * p2[q2 + c] + a3 * p3[q3 + c];
    }
  }
  // Backward, in place over the extension rows, into dst for the image rows. After the last
  // extension row the backward state is the steady state of the last image row.
  for (let r = total - 1; r >= 0; r--) {
    const [p1, q1] = nextRow(r + 1, rows, total, cols, band, c0, w, dst, src, lastRow);
    const [p2, q2] = nextRow(r + 2, rows, total, cols, band, c0, w, dst, src, lastRow);
    const [p3, q3] = nextRow(r + 3, rows, total, cols, band, c0, w, dst, src, lastRow);
    const [out, o] = r < rows ? [dst, r * cols + c0] : [w, r * band];
    const f = r * band;
    for (let c = 0; c < band; c++) {
      out[o + c] = b * w[f + c] + a1 * p1[q1 + c] + a2 * p2[q2 + c] + a3 * p3[q3 + c];
    }
  }
}

/** Where the backward result of row `r` of the band lives: dst for image rows, w for extension rows, the last image row beyond. */
function nextRow(
  r: number,
  rows: number,
  total: number,
  cols: number,
  band: number,
  c0: number,
  w: Float32Array,
  dst: Float32Array,
  src: Float32Array,
  lastRow: number,
): [Float32Array, number] {
  if (r >= total) return [src, lastRow + c0];
  return r < rows ? [dst, r * cols + c0] : [w, r * band];
}

/** Width at half height (between the extremes) of a single-peaked profile, by linear interpolation. */
function halfMaxWidth(p: ArrayLike<number>): number {
  let peak = 0;
  let low = Infinity;
  for (let i = 0; i < p.length; i++) {
    if (p[i] > p[peak]) peak = i;
    if (p[i] < low) low = p[i];
  }
  const half = 0.5 * (p[peak] + low);
  let l = peak;
  while (l > 0 && p[l] > half) l--;
  let r = peak;
  while (r < p.length - 1 && p[r] > half) r++;
  const left = l + (half - p[l]) / (p[l + 1] - p[l]);
  const right = r - 1 + (p[r - 1] - half) / (p[r - 1] - p[r]);
  return right - left;
}

function checkShape(image: Float32Array, rows: number, cols: number): void {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new RangeError('rows and cols must be non-negative integers');
  }
  if (image.length !== rows * cols) {
    throw new RangeError(`image has ${image.length} values, expected rows × cols = ${rows * cols}`);
  }
}
