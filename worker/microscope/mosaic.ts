import type { StagePosition } from './stage.js';

/** One tile of a mosaic: its grid place, where the stage goes for it, and where it lands. */
export interface MosaicTile {
  row: number;
  col: number;
  stage: StagePosition;
  /** Top-left sample of the tile in the stitched image. */
  r0: number;
  c0: number;
}

/** A mosaic's geometry. */
export interface MosaicLayout {
  /** Samples along a tile's side. */
  tileSamples: number;
  /** Samples between neighbouring tiles' origins; the stage moves pitchSamples × step. */
  pitchSamples: number;
  pitch: number;
  /** The overlap actually used: 1 − pitchSamples / tileSamples. */
  overlap: number;
  rows: number;
  cols: number;
  /** In acquisition order: a serpentine, so the stage never travels back across the mosaic. */
  tiles: MosaicTile[];
}

/**
 * Lays out tilesX × tilesY square tiles of `tileSamples` samples `step` apart, centred on
 * `center`. The pitch is a whole number of samples (the requested overlap rounded), so tiles
 * land on the stitched grid exactly, without resampling. Row r is at y = center.y + (r −
 * (tilesY − 1)/2) · pitch: rows go down in y as image rows do.
 */
export function mosaicLayout(o: {
  tilesX: number;
  tilesY: number;
  tileSamples: number;
  step: number;
  overlap: number;
  center: StagePosition;
}): MosaicLayout {
  const pitchSamples = Math.max(1, Math.round(o.tileSamples * (1 - o.overlap)));
  const pitch = pitchSamples * o.step;
  const tiles: MosaicTile[] = [];
  for (let row = 0; row < o.tilesY; row++) {
    for (let k = 0; k < o.tilesX; k++) {
      const col = row % 2 === 0 ? k : o.tilesX - 1 - k;
      tiles.push({
        row,
        col,
        stage: {
          x: o.center.x + (col - (o.tilesX - 1) / 2) * pitch,
          y: o.center.y + (row - (o.tilesY - 1) / 2) * pitch,
        },
        r0: row * pitchSamples,
        c0: col * pitchSamples,
      });
    }
  }
  return {
    tileSamples: o.tileSamples,
    pitchSamples,
    pitch,
    overlap: 1 - pitchSamples / o.tileSamples,
    rows: (o.tilesY - 1) * pitchSamples + o.tileSamples,
    cols: (o.tilesX - 1) * pitchSamples + o.tileSamples,
    tiles,
  };
}

/**
 * Accumulates tiles into one image, averaging where they overlap: neighbouring tiles show the
 * same specimen with independent noise, so the mean is the better estimate and leaves no seam.
 */
export class Stitcher {
  private readonly sum: Float32Array;
  private readonly count: Uint8Array;

  constructor(
    readonly rows: number,
    readonly cols: number,
  ) {
    this.sum = new Float32Array(rows * cols);
    this.count = new Uint8Array(rows * cols);
  }

  /** Adds a rows × cols tile (row-major) with its top-left sample at (r0, c0); clipped to the image. */
  add(tile: Float32Array, rows: number, cols: number, r0: number, c0: number): void {
    for (let r = 0; r < rows; r++) {
      const y = r0 + r;
      if (y < 0 || y >= this.rows) continue;
      for (let c = 0; c < cols; c++) {
        const x = c0 + c;
        if (x < 0 || x >= this.cols) continue;
        const i = y * this.cols + x;
        this.sum[i] += tile[r * cols + c];
        this.count[i]++;
      }
    }
  }

  /** The stitched image; samples no tile covered are 0. */
  image(): Float32Array {
    const out = new Float32Array(this.sum.length);
    for (let i = 0; i < out.length; i++) out[i] = this.count[i] ? this.sum[i] / this.count[i] : 0;
    return out;
  }
}
