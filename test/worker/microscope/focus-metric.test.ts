import { describe, expect, it } from 'vitest';
import { bestOfSweep, normalizedVariance } from '../../../worker/microscope/focus-metric.js';

describe('normalizedVariance', () => {
  it('is σ²/μ², 0 for flat, empty or dark images, and falls as an edge blurs', () => {
    expect(normalizedVariance(Float32Array.from([1, 3]))).toBeCloseTo(0.25, 12);
    expect(normalizedVariance(Float32Array.from([2, 2, 2]))).toBe(0);
    expect(normalizedVariance(new Float32Array(0))).toBe(0);
    expect(normalizedVariance(new Float32Array(4))).toBe(0);
    const sharp = Float32Array.from([0, 0, 0, 1, 0, 0, 0]);
    const blurred = Float32Array.from([0, 0, 0.25, 0.5, 0.25, 0, 0]);
    expect(normalizedVariance(sharp)).toBeGreaterThan(normalizedVariance(blurred));
  });
});

describe('bestOfSweep', () => {
  const values = [0, 1, 2, 3, 4];

  it('finds the vertex of a parabola exactly between steps, for maxima and minima', () => {
    const peak = (v: number) => 10 - (v - 2.3) ** 2;
    expect(bestOfSweep(values, values.map(peak), { higher: true, refine: true })).toMatchObject({
      index: 2,
      refined: true,
    });
    expect(
      bestOfSweep(values, values.map(peak), { higher: true, refine: true })!.value,
    ).toBeCloseTo(2.3, 12);
    const valley = (v: number) => 1 + (v - 1.6) ** 2;
    expect(
      bestOfSweep(values, values.map(valley), { higher: false, refine: true })!.value,
    ).toBeCloseTo(1.6, 12);
  });

  it('keeps the step without refine, at an end of the sweep, or next to an unscored step', () => {
    expect(bestOfSweep(values, [1, 2, 5, 3, 1], { higher: true, refine: false })).toEqual({
      index: 2,
      value: 2,
      score: 5,
      refined: false,
    });
    expect(bestOfSweep(values, [9, 2, 5, 3, 1], { higher: true, refine: true })).toMatchObject({
      value: 0,
      refined: false,
    });
    expect(bestOfSweep(values, [1, null, 5, 3, 1], { higher: true, refine: true })).toMatchObject({
      value: 2,
      refined: false,
    });
  });

  it('ignores unscored steps and gives null when none has a score', () => {
    expect(
      bestOfSweep(values, [null, 4, null, 1, null], { higher: false, refine: true }),
    ).toMatchObject({ value: 3 });
    expect(
      bestOfSweep(values, [null, null, null, null, null], { higher: true, refine: true }),
    ).toBeNull();
  });

  it('clamps the refined value between the neighbours of the best step', () => {
    const r = bestOfSweep([0, 1, 2], [0, 10, 9.999], { higher: true, refine: true })!;
    expect(r.value).toBeGreaterThanOrEqual(0);
    expect(r.value).toBeLessThanOrEqual(2);
  });
});
