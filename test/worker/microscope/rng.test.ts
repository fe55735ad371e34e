import { describe, expect, it } from 'vitest';
import { POISSON_NORMAL_FROM, Rng } from '../../../worker/microscope/sim/rng.js';

function moments(draw: () => number, n: number): { mean: number; variance: number } {
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const v = draw();
    sum += v;
    sumSq += v * v;
  }
  const mean = sum / n;
  return { mean, variance: sumSq / n - mean * mean };
}

describe('Rng', () => {
  it('replays the same stream for the same seed and differs between seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const sa = Array.from({ length: 100 }, () => a.nextUint32());
    const sb = Array.from({ length: 100 }, () => b.nextUint32());
    const sc = Array.from({ length: 100 }, () => c.nextUint32());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
    // Seeds beyond 32 bits still select different streams.
    expect(new Rng(2 ** 40).nextUint32()).not.toBe(new Rng(0).nextUint32());
    expect(new Rng(2 ** 32 + 1).nextUint32()).not.toBe(new Rng(1).nextUint32());
  });

  it('draws uniforms in [0, 1) with the right mean and variance', () => {
    const rng = new Rng(1);
    let lo = 1;
    let hi = 0;
    const m = moments(() => {
      const u = rng.next();
      lo = Math.min(lo, u);
      hi = Math.max(hi, u);
      return u;
    }, 200_000);
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    expect(m.mean).toBeCloseTo(0.5, 2);
    expect(m.variance).toBeCloseTo(1 / 12, 3);
  });

  it('draws standard normals, tails included', () => {
    const rng = new Rng(2);
    let beyond3 = 0;
    const n = 400_000;
    const m = moments(() => {
      const z = rng.normal();
      if (Math.abs(z) > 3) beyond3++;
      return z;
    }, n);
    expect(m.mean).toBeCloseTo(0, 2);
    expect(m.variance).toBeCloseTo(1, 1);
    // P(|Z| > 3) = 0.0027
    expect(beyond3 / n).toBeGreaterThan(0.0021);
    expect(beyond3 / n).toBeLessThan(0.0033);
  });

  it.each([0.01, 0.3, 1, 5.3, 17.77, 29.99, 30, 80, 1e4])(
    'draws Poisson(%s) with mean and variance λ',
    (lambda) => {
      const rng = new Rng(3);
      const n = 200_000;
      const m = moments(() => rng.poisson(lambda), n);
      // Four standard errors of the mean and (roughly) of the variance.
      expect(Math.abs(m.mean - lambda)).toBeLessThan(4 * Math.sqrt(lambda / n));
      expect(Math.abs(m.variance / lambda - 1)).toBeLessThan(
        4 * Math.sqrt(2 / n) + 4 / Math.sqrt(lambda * n),
      );
    },
  );

  it('matches the Poisson probabilities exactly below the normal approximation', () => {
    // λ = 5.3 exercises the alias table (λ₀ = 5.25) and the remainder (ε = 0.05).
    const lambda = 5.3;
    const rng = new Rng(4);
    const n = 500_000;
    const counts = new Array<number>(30).fill(0);
    for (let i = 0; i < n; i++) counts[Math.min(29, rng.poisson(lambda))]++;
    let p = Math.exp(-lambda);
    let chi2 = 0;
    for (let k = 0; k < 16; k++) {
      if (k > 0) p *= lambda / k;
      chi2 += (counts[k] - n * p) ** 2 / (n * p);
    }
    // 16 cells: the 99.9% point of χ²(15) is 37.7.
    expect(chi2).toBeLessThan(37.7);
    expect(POISSON_NORMAL_FROM).toBe(30);
  });

  it('gives 0 for a mean of 0, a negative mean or NaN', () => {
    const rng = new Rng(5);
    expect(rng.poisson(0)).toBe(0);
    expect(rng.poisson(-3)).toBe(0);
    expect(rng.poisson(Number.NaN)).toBe(0);
  });
});
