import { describe, expect, it } from 'vitest';
import {
  RECURSIVE_MIN_SIGMA,
  gaussianBlur1d,
  gaussianBlur2d,
  gaussianBlur2dExact,
  gaussianBlur2dRecursive,
  kernelRadius,
} from '../../../worker/microscope/sim/blur.js';
import { FWHM_PER_SIGMA, fitGaussian1d } from '../../../worker/microscope/gaussian-fit.js';
import { LINE_SIGMA } from '../../../worker/microscope/sim/sample.js';

/** An image with one vertical line at column `at`: a 1-pixel line or the sample's Gaussian line. */
function lineImage(
  rows: number,
  cols: number,
  at: number,
  kind: 'pixel' | 'gaussian',
): Float32Array {
  const image = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const d = c - at;
      image[r * cols + c] =
        kind === 'pixel' ? (d === 0 ? 1 : 0) : Math.exp((-0.5 * d * d) / (LINE_SIGMA * LINE_SIGMA));
    }
  }
  return image;
}

/** Byte equality of two typed arrays; far faster than toEqual for a million elements. */
function sameBytes(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

function row(image: Float32Array, cols: number, r: number): Float32Array {
  return image.subarray(r * cols, (r + 1) * cols);
}

/** Width at half height by linear interpolation between samples (what a person reads off a plot). */
function halfMaxWidth(p: ArrayLike<number>): number {
  let peak = 0;
  let low = Infinity;
  for (let i = 0; i < p.length; i++) {
    if (p[i] > p[peak]) peak = i;
    low = Math.min(low, p[i]);
  }
  const half = (p[peak] + low) / 2;
  let l = peak;
  while (p[l] > half) l--;
  let r = peak;
  while (p[r] > half) r++;
  return r - 1 + (p[r - 1] - half) / (p[r - 1] - p[r]) - (l + (half - p[l]) / (p[l + 1] - p[l]));
}

function sum(values: Float32Array): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

describe('gaussianBlur1d', () => {
  it('matches scipy.ndimage.gaussian_filter1d(mode="nearest")', () => {
    const v = new Float32Array([0, 0, 1, 4, 2, 0, 0, 3]);
    // Computed with scipy 1.17.1.
    const sigma15 = [
      0.26851337, 0.72258859, 1.33986897, 1.72890407, 1.62726731, 1.36144513, 1.47131076,
      2.00235289,
    ];
    const sigma10 = [
      1.03856568, 1.14561498, 1.25573406, 1.36799971, 1.48143289, 1.59502409, 1.7077599, 1.8186497,
    ];
    gaussianBlur1d(v, 1.5).forEach((x, i) => expect(x).toBeCloseTo(sigma15[i], 5));
    // A kernel far longer than the profile: "nearest" repeats the end values.
    gaussianBlur1d(v, 10).forEach((x, i) => expect(x).toBeCloseTo(sigma10[i], 5));
  });

  it('returns a copy for sigma ≤ 0', () => {
    const v = new Float32Array([1, 2, 3]);
    const out = gaussianBlur1d(v, 0);
    expect(out).toEqual(v);
    expect(out).not.toBe(v);
  });
});

describe('gaussianBlur2d', () => {
  it('matches scipy.ndimage.gaussian_filter(mode="nearest") on a small image', () => {
    const image = Float32Array.from({ length: 20 }, (_, i) => i ** 1.5);
    // Computed with scipy 1.17.1.
    const expected = [
      3.741419, 5.17148, 7.443164, 10.165252, 12.471152, 14.990912, 17.535095, 21.107963, 24.984741,
      28.115172, 34.183201, 37.794376, 42.664124, 47.740106, 51.746269, 52.536685, 56.7964,
      62.482037, 68.338854, 72.925993,
    ];
    gaussianBlur2d(image, 4, 5, 0.8).forEach((x, i) => expect(x).toBeCloseTo(expected[i], 4));
  });

  it("uses scipy's kernel radius int(4σ + 0.5)", () => {
    expect(kernelRadius(0.1)).toBe(0);
    expect(kernelRadius(1)).toBe(4);
    expect(kernelRadius(2.4)).toBe(10);
  });

  it('returns a copy for sigma ≤ 0 and rejects a wrong shape', () => {
    const image = new Float32Array([1, 2, 3, 4, 5, 6]);
    const out = gaussianBlur2d(image, 2, 3, 0);
    expect(out).toEqual(image);
    expect(out).not.toBe(image);
    expect(() => gaussianBlur2d(image, 2, 2, 1)).toThrow(RangeError);
  });

  it.each([0.5, 1, 2, 3, 5])(
    'preserves the sum of content away from the edges (σ = %s)',
    (sigma) => {
      // The content is ≥ 80 samples from every edge, beyond the recursive filter's tails.
      const rows = 200;
      const cols = 210;
      const image = new Float32Array(rows * cols);
      image[100 * cols + 105] = 3;
      image[90 * cols + 90] = 1;
      image[110 * cols + 120] = 2;
      for (const blurred of [
        gaussianBlur2d(image, rows, cols, sigma),
        gaussianBlur2dExact(image, rows, cols, sigma),
        gaussianBlur2dRecursive(image, rows, cols, sigma),
      ]) {
        expect(sum(blurred)).toBeCloseTo(6, 4);
      }
    },
  );

  it('keeps a constant image constant up to the edges ("nearest")', () => {
    const image = new Float32Array(40 * 50).fill(2.5);
    for (const blurred of [
      gaussianBlur2dExact(image, 40, 50, 3),
      gaussianBlur2dRecursive(image, 40, 50, 3),
    ]) {
      for (const v of blurred) expect(v).toBeCloseTo(2.5, 5);
    }
  });

  it.each([1, 2, 3, 5])('widens a line as FWHM² ≈ w₀² + (2.3548σ)² (σ = %s)', (sigma) => {
    const rows = 8;
    const cols = 101;
    const image = lineImage(rows, cols, 50, 'gaussian');
    const x = Array.from({ length: cols }, (_, i) => i);
    const before = fitGaussian1d(x, row(image, cols, 4));
    const after = fitGaussian1d(x, row(gaussianBlur2d(image, rows, cols, sigma), cols, 4));
    expect(before.ok && after.ok).toBe(true);
    if (!before.ok || !after.ok) return;
    expect(before.fwhm).toBeCloseTo(FWHM_PER_SIGMA * LINE_SIGMA, 3);
    const expected = Math.hypot(before.fwhm, FWHM_PER_SIGMA * sigma);
    expect(Math.abs(after.fwhm / expected - 1)).toBeLessThan(0.02);
  });

  it.each([2, 2.5, 3, 5, 8, 12])(
    'approximates the exact blur within 2% of FWHM for a 1-unit line with the recursive filter (σ = %s)',
    (sigma) => {
      const rows = 6;
      const cols = 2 * Math.ceil(6 * sigma) + 41;
      const at = (cols - 1) / 2;
      for (const kind of ['pixel', 'gaussian'] as const) {
        const image = lineImage(rows, cols, at, kind);
        const exact = row(gaussianBlur2dExact(image, rows, cols, sigma), cols, 3);
        const recursive = row(gaussianBlur2dRecursive(image, rows, cols, sigma), cols, 3);
        expect(Math.abs(halfMaxWidth(recursive) / halfMaxWidth(exact) - 1)).toBeLessThan(0.02);
        let peak = 0;
        let worst = 0;
        for (let i = 0; i < cols; i++) {
          peak = Math.max(peak, exact[i]);
          worst = Math.max(worst, Math.abs(recursive[i] - exact[i]));
        }
        // The shape is close too: within 8% of the peak at σ = 2, 5.7% at 3, 4.3% at 5.
        expect(worst / peak).toBeLessThan(sigma < 3 ? 0.085 : sigma < 5 ? 0.06 : 0.045);
      }
    },
  );

  it('blurs columns as it blurs rows (isotropic), with either method', () => {
    const n = 41;
    const image = new Float32Array(n * n);
    image[20 * n + 20] = 1;
    for (const blurred of [
      gaussianBlur2dExact(image, n, n, 2.5),
      gaussianBlur2dRecursive(image, n, n, 2.5),
    ]) {
      for (let i = 0; i < n; i++) expect(blurred[20 * n + i]).toBeCloseTo(blurred[i * n + 20], 6);
    }
  });

  it(`switches to the recursive filter only from σ = ${RECURSIVE_MIN_SIGMA} on large images`, () => {
    const n = 1024;
    const image = lineImage(n, n, 500, 'gaussian');
    expect(sameBytes(gaussianBlur2d(image, n, n, 3), gaussianBlur2dRecursive(image, n, n, 3))).toBe(
      true,
    );
    expect(sameBytes(gaussianBlur2d(image, n, n, 1.5), gaussianBlur2dExact(image, n, n, 1.5))).toBe(
      true,
    );
    const small = lineImage(64, 64, 30, 'gaussian');
    expect(sameBytes(gaussianBlur2d(small, 64, 64, 5), gaussianBlur2dExact(small, 64, 64, 5))).toBe(
      true,
    );
  });
});
