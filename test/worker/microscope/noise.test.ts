import { describe, expect, it } from 'vitest';
import { applyPoissonNoise } from '../../../worker/microscope/sim/noise.js';
import { Rng } from '../../../worker/microscope/sim/rng.js';

function stats(values: Float32Array, from: number, to: number): { mean: number; variance: number } {
  let s = 0;
  let s2 = 0;
  for (let i = from; i < to; i++) {
    s += values[i];
    s2 += values[i] * values[i];
  }
  const n = to - from;
  const mean = s / n;
  return { mean, variance: s2 / n - mean * mean };
}

describe('applyPoissonNoise', () => {
  // Max 1, so EAA's factor s = scale / max(arr) is the scale itself.
  const n = 200_000;
  const image = (): Float32Array => {
    const a = new Float32Array(2 * n);
    a.fill(1, 0, n); // bright half: λ = scale
    a.fill(0.053, n); // dim half: λ = 0.053·scale
    return a;
  };

  it.each([100, 20, 1000])(
    'keeps the mean and gives variance value / scale (scale = %s)',
    (scale) => {
      const a = image();
      applyPoissonNoise(a, scale, new Rng(11));
      for (const [from, value] of [
        [0, 1],
        [n, 0.053],
      ] as const) {
        const { mean, variance } = stats(a, from, from + n);
        const expectedVariance = value / scale;
        expect(Math.abs(mean - value)).toBeLessThan(4 * Math.sqrt(expectedVariance / n));
        expect(Math.abs(variance / expectedVariance - 1)).toBeLessThan(0.03);
      }
    },
  );

  it('gives whole photon counts divided by s, as EAA does', () => {
    const a = Float32Array.from([0.2, 0.5, 1, 0.7, 0, -0.3]);
    applyPoissonNoise(a, 10, new Rng(12));
    for (const v of a) expect(Math.abs(v * 10 - Math.round(v * 10))).toBeLessThan(1e-5);
    // clip(arr·s, 0): a negative value has no photons.
    expect(a[5]).toBe(0);
    expect(a[4]).toBe(0);
  });

  it('is reproducible for a seed', () => {
    const a = image();
    const b = image();
    applyPoissonNoise(a, 50, new Rng(13));
    applyPoissonNoise(b, 50, new Rng(13));
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
  });

  it('does nothing for scale ≤ 0 or a maximum ≤ 0', () => {
    const a = Float32Array.from([0.2, 0.5, 1]);
    applyPoissonNoise(a, 0, new Rng(1));
    applyPoissonNoise(a, -5, new Rng(1));
    expect(Array.from(a)).toEqual([0.2, 0.5, 1].map(Math.fround));
    const dark = Float32Array.from([0, -1, 0]);
    applyPoissonNoise(dark, 100, new Rng(1));
    expect(Array.from(dark)).toEqual([0, -1, 0]);
  });
});
