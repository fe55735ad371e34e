import { describe, expect, it } from 'vitest';
import { Rng } from '../../../worker/microscope/sim/rng.js';
import { Sample } from '../../../worker/microscope/sim/sample.js';
import {
  arange,
  imageGrid,
  sampleGrid,
  sampleLine,
} from '../../../worker/microscope/sim/sampling.js';

// A small sample whose values are easy to predict: v = y·100 + x.
function ramp(size: number): Sample {
  const data = new Float32Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) data[y * size + x] = y * 100 + x;
  return new Sample(size, size, data);
}

describe('arange and imageGrid', () => {
  it("count samples as numpy.arange does, so sizes match EAA's", () => {
    expect(arange(0, 7, 0.2).length).toBe(35); // EAA's line-scan test
    expect(arange(0, 60, 1).length).toBe(60);
    expect(arange(0, 5, 2)).toEqual(Float64Array.from([0, 2, 4]));
    expect(arange(3, 3, 1).length).toBe(0);
    expect(() => arange(0, 1, 0)).toThrow(RangeError);
  });

  it("builds EAA's acquire_image grid", () => {
    expect(imageGrid({ yCenter: 175, xCenter: 160, sizeY: 64, sizeX: 32, step: 1 })).toEqual({
      y0: 143,
      x0: 144,
      step: 1,
      rows: 64,
      cols: 32,
    });
    expect(imageGrid({ yCenter: 10, xCenter: 10, sizeY: 7, sizeX: 7, step: 0.5 }).rows).toBe(14);
  });
});

describe('sampleGrid', () => {
  const sample = ramp(16);

  it('returns the sample values themselves on an integer grid', () => {
    const image = sampleGrid(sample, { y0: 2, x0: 3, step: 1, rows: 4, cols: 5 });
    expect(image).toBeInstanceOf(Float32Array);
    for (let r = 0; r < 4; r++) {
      for (let c = 0; c < 5; c++) expect(image[r * 5 + c]).toBe((2 + r) * 100 + 3 + c);
    }
  });

  it('interpolates bilinearly with a fractional offset and step', () => {
    const grid = { y0: 1, x0: 1, step: 0.75, rows: 6, cols: 7 };
    const image = sampleGrid(sample, grid, { offset: [0.3, -0.2] });
    for (let r = 0; r < grid.rows; r++) {
      for (let c = 0; c < grid.cols; c++) {
        const y = 1 + 0.75 * r + 0.3;
        const x = 1 + 0.75 * c - 0.2;
        expect(image[r * grid.cols + c]).toBeCloseTo(y * 100 + x, 3);
        expect(image[r * grid.cols + c]).toBeCloseTo(sample.at(y, x), 4);
      }
    }
  });

  it('is 0 outside the sample, including the last half pixel', () => {
    const image = sampleGrid(sample, { y0: -2, x0: 13, step: 1, rows: 4, cols: 4 });
    // rows y = −2, −1 and columns x = 16, 17 are outside; (0, 15) is the corner.
    expect(Array.from(image)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 13, 14, 15, 0, 113, 114, 115, 0]);
    expect(sampleGrid(sample, { y0: 15.5, x0: 0, step: 1, rows: 1, cols: 2 })).toEqual(
      new Float32Array([0, 0]),
    );
  });

  it('jitters by at most ±j, reproducibly, and only with an rng', () => {
    const grid = { y0: 4, x0: 4, step: 1, rows: 5, cols: 5 };
    const plain = sampleGrid(sample, grid);
    const a = sampleGrid(sample, grid, { jitter: 0.4, rng: new Rng(9) });
    const b = sampleGrid(sample, grid, { jitter: 0.4, rng: new Rng(9) });
    expect(a).toEqual(b);
    expect(a).not.toEqual(plain);
    // On the ramp, a jitter of (dy, dx) changes the value by 100·dy + dx.
    for (let i = 0; i < a.length; i++)
      expect(Math.abs(a[i] - plain[i])).toBeLessThanOrEqual(40.4 + 1e-3);
    expect(() => sampleGrid(sample, grid, { jitter: 0.4 })).toThrow(/rng/);
    expect(() => sampleGrid(sample, grid, { jitter: -1 })).toThrow(RangeError);
  });
});

describe('sampleLine', () => {
  const sample = ramp(16);

  it('samples start + d·unit (+ offset) along the line, 0 off the sample', () => {
    const d = arange(0, 5, 1);
    const angle = Math.PI / 6;
    const unit: [number, number] = [Math.sin(angle), Math.cos(angle)];
    const values = sampleLine(sample, [2, 3], unit, d, { offset: [0.5, 0.25] });
    d.forEach((dist, i) => {
      const y = 2 + dist * unit[0] + 0.5;
      const x = 3 + dist * unit[1] + 0.25;
      expect(values[i]).toBeCloseTo(y * 100 + x, 3);
    });
    expect(Array.from(sampleLine(sample, [0, 14], [0, 1], d))).toEqual([14, 15, 0, 0, 0]);
  });
});
