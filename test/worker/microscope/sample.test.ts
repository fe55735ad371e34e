import { describe, expect, it } from 'vitest';
import { fitGaussian1d } from '../../../worker/microscope/gaussian-fit.js';
import { GRID_PITCH, Sample } from '../../../worker/microscope/sim/sample.js';
import {
  arange,
  imageGrid,
  sampleGrid,
  sampleLine,
} from '../../../worker/microscope/sim/sampling.js';

/** Byte equality of two typed arrays; far faster than toEqual for a million elements. */
function sameBytes(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

describe('Sample', () => {
  const sample = Sample.generate({ seed: 7 });

  it('is 1024 × 1024, non-negative and deterministic for a seed', () => {
    expect(sample.width).toBe(1024);
    expect(sample.height).toBe(1024);
    expect(sample.data).toBeInstanceOf(Float32Array);
    let min = Infinity;
    let max = -Infinity;
    for (const v of sample.data) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeGreaterThan(0.9);
    expect(max).toBeLessThan(2);
    expect(sameBytes(Sample.generate({ seed: 7 }).data, sample.data)).toBe(true);
    expect(sameBytes(Sample.generate({ seed: 8 }).data, sample.data)).toBe(false);
    expect(Sample.generate({ seed: 7, size: 256 }).width).toBe(256);
  });

  it('interpolates bilinearly: exact at integer coordinates, 0 outside', () => {
    const d = sample.data;
    const w = sample.width;
    for (const [y, x] of [
      [0, 0],
      [160, 160],
      [171, 133],
      [1023, 1023],
      [0, 1023],
    ]) {
      expect(sample.at(y, x)).toBe(d[y * w + x]);
    }
    const mid = sample.at(10.5, 20.25);
    const expected =
      0.5 * (0.75 * d[10 * w + 20] + 0.25 * d[10 * w + 21]) +
      0.5 * (0.75 * d[11 * w + 20] + 0.25 * d[11 * w + 21]);
    expect(mid).toBeCloseTo(expected, 6);
    for (const [y, x] of [
      [-0.01, 5],
      [5, -1],
      [1023.01, 5],
      [5, 1024],
      [Number.NaN, 5],
    ]) {
      expect(sample.at(y, x)).toBe(0);
    }
  });

  it("puts one clean line under EAA's default line scan (y 170, x 130–190), whatever the seed", () => {
    // tests/test_analytical_focusing.py: x_center 160, y_center 170, length 60, scan_step 1.
    for (const seed of [0, 1, 2, 3, 12345]) {
      const s = Sample.generate({ seed });
      const d = arange(0, 60, 1);
      const profile = sampleLine(s, [170, 130], [0, 1], d);
      const fit = fitGaussian1d(d, profile);
      expect(fit.ok).toBe(true);
      if (!fit.ok) continue;
      expect(fit.mu).toBeCloseTo(30, 1); // the line at x = 160
      expect(fit.fwhm).toBeGreaterThan(1);
      expect(fit.fwhm).toBeLessThan(1.5);
      expect(fit.normalized_residual).toBeLessThan(0.015); // EAA's checker threshold
    }
  });

  it("gives EAA's default 350 × 350 image at (175, 175) structure to register on", () => {
    const grid = imageGrid({ yCenter: 175, xCenter: 175, sizeY: 350, sizeX: 350, step: 1 });
    const image = sampleGrid(sample, grid);
    // Grid lines every GRID_PITCH units, and particles or gratings off the lines.
    let onLines = 0;
    let offLineBright = 0;
    for (let r = 0; r < grid.rows; r++) {
      for (let c = 0; c < grid.cols; c++) {
        const v = image[r * grid.cols + c];
        const onLine = r % GRID_PITCH === 0 || c % GRID_PITCH === 0;
        if (onLine && v > 0.9) onLines++;
        if (!onLine && r % GRID_PITCH > 2 && c % GRID_PITCH > 2 && v > 0.3) offLineBright++;
      }
    }
    expect(onLines).toBeGreaterThan(0.9 * 2 * 11 * 350);
    expect(offLineBright).toBeGreaterThan(500);
  });
});
