import { describe, expect, it } from 'vitest';
import {
  FWHM_PER_SIGMA,
  fitGaussian1d,
  gaussian1d,
  type GaussianFit,
} from '../../../worker/microscope/gaussian-fit.js';
import { Rng } from '../../../worker/microscope/sim/rng.js';

function expectOk(fit: GaussianFit): asserts fit is Extract<GaussianFit, { ok: true }> {
  if (!fit.ok) throw new Error(`expected a fit, got: ${fit.reason}`);
}

function noFieldIsNaN(fit: GaussianFit): void {
  for (const [key, value] of Object.entries(fit)) {
    if (typeof value === 'number') expect(Number.isFinite(value), key).toBe(true);
  }
}

describe('fitGaussian1d', () => {
  it('recovers a, μ, σ and c from noisy data', () => {
    const rng = new Rng(21);
    for (const [a, mu, sigma, c] of [
      [1, 30, 2, 0.1],
      [0.25, 20.3, 1.5, 0.06],
      [5, 44.4, 6, -1],
    ]) {
      const x: number[] = [];
      const y: number[] = [];
      for (let i = 0; i < 60; i++) {
        x.push(i);
        y.push(gaussian1d(i, a, mu, sigma, c) + 0.01 * a * rng.normal());
      }
      const fit = fitGaussian1d(x, y);
      expectOk(fit);
      expect(Math.abs(fit.a / a - 1)).toBeLessThan(0.02);
      expect(Math.abs(fit.mu - mu)).toBeLessThan(0.02 * sigma);
      expect(Math.abs(fit.sigma / sigma - 1)).toBeLessThan(0.02);
      expect(Math.abs(fit.c - c)).toBeLessThan(0.01 * a);
      expect(fit.fwhm).toBeCloseTo(FWHM_PER_SIGMA * Math.abs(fit.sigma), 10);
      expect(fit.normalized_residual).toBeLessThan(3e-4); // noise 1% of a → about 1e-4
      expect([fit.x_min, fit.x_max]).toEqual([0, 59]);
    }
  });

  it("matches EAA's fit_gaussian_1d (scipy curve_fit) on the same data", () => {
    // EAA's line-scan test geometry: d = arange(0, 7, 0.2), 35 samples, with a fixed ripple.
    const x = Array.from({ length: 35 }, (_, i) => i * 0.2);
    const y = x.map(
      (d, i) => 0.8 * Math.exp(-((d - 3.1) ** 2) / (2 * 0.36)) + 0.1 + 0.02 * Math.sin(7.3 * i),
    );
    // Values from eaa_core.maths.fit_gaussian_1d with numpy 2.4 / scipy 1.17.
    const reference: [number, [number, number, number, number, number]][] = [
      [
        0,
        [
          0.7985737714552339, 3.0987384143906778, 0.5982295671472111, 0.10183400982430033,
          0.00030137341689380584,
        ],
      ],
      [
        0.5,
        [
          0.7592710282248883, 3.089560114015468, 0.5792160395738739, 0.14137599677697413,
          0.0019773159683040284,
        ],
      ],
    ];
    for (const [threshold, [a, mu, sigma, c, residual]] of reference) {
      const fit = fitGaussian1d(x, y, threshold);
      expectOk(fit);
      expect(fit.a).toBeCloseTo(a, 5);
      expect(fit.mu).toBeCloseTo(mu, 5);
      expect(fit.sigma).toBeCloseTo(sigma, 5);
      expect(fit.c).toBeCloseTo(c, 5);
      expect(fit.normalized_residual).toBeCloseTo(residual, 6);
      expect(fit.x_min).toBe(0);
      expect(fit.x_max).toBeCloseTo(6.8, 12);
    }
  });

  it('fits only the points above min + y_threshold·range of the smoothed profile', () => {
    // A main peak at 30 (σ 3) and a weaker one at 46. Without selection, EAA's start (the
    // centroid of the whole profile, 34.4) ends in a broad compromise over both peaks (scipy:
    // μ 34.43, σ 10.95); the second start, at the main peak, reaches a smaller residual and
    // wins. With threshold 0.5 only the top of the main peak is fitted (EAA's results).
    const x = Array.from({ length: 60 }, (_, i) => i);
    const y = x.map(
      (i) => Math.exp(-((i - 30) ** 2) / 18) + 0.6 * Math.exp(-((i - 46) ** 2) / 18) + 0.05,
    );
    const all = fitGaussian1d(x, y, 0);
    const top = fitGaussian1d(x, y, 0.5);
    expectOk(all);
    expectOk(top);
    expect(Math.abs(all.mu - 30)).toBeLessThan(0.1);
    expect(all.sigma).toBeGreaterThan(2.5);
    expect(all.sigma).toBeLessThan(3.5);
    expect(top.mu).toBeCloseTo(30.000058688367524, 5);
    expect(top.sigma).toBeCloseTo(1.5811533848370771, 5);
    expect(top.c).toBeCloseTo(0.61872855173938, 5);
    // A threshold so high that fewer than 5 points qualify falls back to all points.
    expect(fitGaussian1d(x, y, 0.999)).toEqual(all);
  });

  it("finds a narrow peak off the middle of a noisy profile, where EAA's start alone fails", () => {
    // A line scan like the focusing loop's (length 40, step 0.25) across a line at d = 13.5,
    // with shot noise over a 0.07 background. From the whole-profile centroid alone, 5 of
    // these 200 profiles end on a wrong minimum or at a = 0.
    for (let seed = 1; seed <= 200; seed++) {
      const rng = new Rng(seed);
      const x = Array.from({ length: 160 }, (_, i) => i * 0.25);
      const y = x.map((d) => rng.poisson(100 * gaussian1d(d, 0.8, 13.5, 0.6, 0.07)) / 100);
      const fit = fitGaussian1d(x, y);
      expectOk(fit);
      expect(Math.abs(fit.mu - 13.5), `seed ${seed}`).toBeLessThan(0.3);
      expect(Math.abs(fit.sigma - 0.6), `seed ${seed}`).toBeLessThan(0.2);
    }
  });

  it('ignores non-finite points and unsorted input', () => {
    const x = [5, 0, 3, 1, 4, 2, 6, 7, Number.NaN, 8, 9];
    const y = x.map((v) => gaussian1d(v, 2, 4.5, 1.5, 0.5));
    y[2] = Number.POSITIVE_INFINITY;
    const fit = fitGaussian1d(x, y);
    expectOk(fit);
    expect(fit.mu).toBeCloseTo(4.5, 6);
    expect(fit.sigma).toBeCloseTo(1.5, 6);
    expect([fit.x_min, fit.x_max]).toEqual([0, 9]);
  });

  it('fails with a reason a person understands, never NaN', () => {
    const flat = fitGaussian1d([0, 1, 2, 3, 4, 5], [2, 2, 2, 2, 2, 2]);
    expect(flat).toEqual({
      ok: false,
      reason: 'the profile is flat (max - min = 0)',
      x_min: 0,
      x_max: 5,
    });

    const short = fitGaussian1d([0, 1, 2, 3, 4], [0, 1, Number.NaN, 1, 0]);
    expect(short).toEqual({
      ok: false,
      reason: 'only 4 finite points; a fit needs at least 5',
      x_min: 0,
      x_max: 4,
    });

    const none = fitGaussian1d([Number.NaN, Number.NaN], [1, 2]);
    expect(none.ok).toBe(false);
    if (!none.ok) expect(none.reason).toBe('only 0 finite points; a fit needs at least 5');
    expect([none.x_min, none.x_max]).toEqual([0, 0]);

    const sameX = fitGaussian1d([3, 3, 3, 3, 3, 3], [0, 1, 2, 1, 0, 1]);
    expect(sameX.ok).toBe(false);
    if (!sameX.ok) expect(sameX.reason).toMatch(/same x/);

    const mismatch = fitGaussian1d([0, 1, 2, 3, 4, 5], [0, 1, 2]);
    expect(mismatch.ok).toBe(false);

    for (const fit of [flat, short, none, sameX, mismatch]) noFieldIsNaN(fit);
  });

  it('never returns NaN on awkward profiles', () => {
    const rng = new Rng(22);
    const profiles: number[][] = [
      Array.from({ length: 40 }, (_, i) => i), // a ramp
      Array.from({ length: 40 }, () => rng.normal()), // pure noise
      Array.from({ length: 40 }, (_, i) => (i === 39 ? 5 : 0)), // a spike at the edge
      Array.from({ length: 40 }, (_, i) => 1e-7 * Math.exp(-((i - 20) ** 2) / 8)), // tiny values
      Array.from({ length: 40 }, (_, i) => -Math.exp(-((i - 20) ** 2) / 8)), // a dip
    ];
    for (const y of profiles) {
      const fit = fitGaussian1d(
        y.map((_, i) => i),
        y,
      );
      noFieldIsNaN(fit);
      if (!fit.ok) expect(fit.reason.length).toBeGreaterThan(10);
    }
  });
});
