import { describe, expect, it } from 'vitest';
import { mosaicLayout, Stitcher } from '../../../worker/microscope/mosaic.js';

describe('mosaicLayout', () => {
  it('centres a serpentine of tiles on the start, with a whole-sample pitch', () => {
    const layout = mosaicLayout({
      tilesX: 3,
      tilesY: 2,
      tileSamples: 10,
      step: 2,
      overlap: 0.33,
      center: { x: 100, y: -50 },
    });
    // 10 × 0.67 = 6.7 → 7 samples, 14 stage units.
    expect(layout).toMatchObject({ pitchSamples: 7, pitch: 14, rows: 17, cols: 24 });
    expect(layout.overlap).toBeCloseTo(0.3, 12);
    expect(layout.tiles.map((t) => [t.row, t.col, t.stage.x, t.stage.y, t.r0, t.c0])).toEqual([
      [0, 0, 86, -57, 0, 0],
      [0, 1, 100, -57, 0, 7],
      [0, 2, 114, -57, 0, 14],
      [1, 2, 114, -43, 7, 14],
      [1, 1, 100, -43, 7, 7],
      [1, 0, 86, -43, 7, 0],
    ]);
  });

  it('is one tile at the start for 1 × 1', () => {
    const layout = mosaicLayout({
      tilesX: 1,
      tilesY: 1,
      tileSamples: 8,
      step: 1,
      overlap: 0.5,
      center: { x: 3, y: 4 },
    });
    expect(layout.tiles).toEqual([{ row: 0, col: 0, stage: { x: 3, y: 4 }, r0: 0, c0: 0 }]);
    expect([layout.rows, layout.cols]).toEqual([8, 8]);
  });
});

describe('Stitcher', () => {
  it('averages where tiles overlap and leaves uncovered samples 0', () => {
    const s = new Stitcher(2, 4);
    s.add(Float32Array.from([1, 1, 1, 1]), 2, 2, 0, 0);
    s.add(Float32Array.from([3, 3, 3, 3]), 2, 2, 0, 1);
    expect(Array.from(s.image())).toEqual([1, 2, 3, 0, 1, 2, 3, 0]);
  });

  it('clips a tile that reaches past the image', () => {
    const s = new Stitcher(2, 2);
    s.add(Float32Array.from([1, 2, 3, 4]), 2, 2, 1, 1);
    expect(Array.from(s.image())).toEqual([0, 0, 0, 1]);
  });
});
