import { Rng } from './rng.js';

/** Spacing of the grid test pattern's lines, in stage units; lines lie at multiples of it. */
export const GRID_PITCH = 32;

/** Standard deviation of a grid line's cross-section: FWHM = 2.3548 × 0.55 ≈ 1.3 units at perfect focus. */
export const LINE_SIGMA = 0.55;

/**
 * The cells that EAA's default line scan crosses (y = 170, x = 130 … 190, from
 * `tests/test_analytical_focusing.py`) hold nothing but the grid, so that scan sees one clean
 * line at x = 160 whatever the seed. Rows and columns are in units of GRID_PITCH.
 */
const CLEAR_CELLS = { rows: [5, 5], cols: [4, 5] } as const;

/**
 * Where a line scan crosses one feature and nothing else, specimen coordinates: the grid line
 * between the clear cells (x = 160), half-way up their row (y = 176), clear of the grid lines
 * at y = 160 and 192 while the optics' drift moves it by up to drift_factor.
 */
export const FOCUS_LINE = {
  x: GRID_PITCH * CLEAR_CELLS.cols[1],
  y: GRID_PITCH * (CLEAR_CELLS.rows[0] + 0.5),
} as const;

// The background stays within 0.06 ± 0.012 and varies slowly: EAA's fit starts μ at the centroid
// of the whole smoothed profile, so a background sloping by 0.02 across a 60-unit scan drags that
// start off a line 1.3 units wide and the fit fails (1 scan in 20 at focus with ±0.03).
const BACKGROUND_MEAN = 0.06;
const BACKGROUND_SWING = 0.012;
const FINE_GRATING_PITCH = 4;
const FINE_GRATING_AMPLITUDE = 0.5;
const FINE_GRATING_SHARE = 1 / 6;

/** Particle kinds: Gaussian blobs of two sizes and a soft-edged disc, like nanoparticles in an XRF map. */
const PARTICLES = [
  { kind: 'blob', size: 0.9, share: 0.45 },
  { kind: 'blob', size: 1.8, share: 0.35 },
  { kind: 'disc', size: 3.5, share: 0.2 },
] as const;
const DISC_EDGE = 0.6;

/**
 * What was painted where, so that other signals (spectra) can follow the image: a particle
 * (centre, size and peak height above the background, stage units) or a cell of fine grating.
 */
export type SampleFeature =
  | { kind: 'blob' | 'disc'; y: number; x: number; size: number; amplitude: number }
  | { kind: 'grating'; cy: number; cx: number; vertical: boolean };

/** A grey-level specimen: `data[row * width + col]`, row = y, col = x, 1 stage unit per pixel, origin at (0,0). */
export class Sample {
  /**
   * Wraps existing pixel data (row-major, `width × height`), e.g. an image loaded from a file;
   * `features` lists what generate() painted (empty for other data).
   */
  constructor(
    readonly width: number,
    readonly height: number,
    readonly data: Float32Array,
    readonly features: readonly SampleFeature[] = [],
  ) {
    if (!(width >= 2 && height >= 2) || data.length !== width * height) {
      throw new RangeError(`a sample needs at least 2×2 pixels and width × height values`);
    }
  }

  /**
   * Generates the simulated specimen, deterministic for `seed`: a grid test pattern with thin
   * lines every GRID_PITCH units (line profiles peak, and their FWHM measures focus), a finer
   * grating in about one cell in six, particles of three sizes inside cells, over a smooth low
   * background. Grid lines peak at 1, grating lines at 0.5 and particles at 0.35–0.8 above a
   * background of 0.048–0.072; all values are ≥ 0. A 1024² sample takes about 30 ms.
   */
  static generate(options: { seed: number; size?: number }): Sample {
    const size = options.size ?? 1024;
    if (!Number.isInteger(size) || size < 2) throw new RangeError(`size must be an integer ≥ 2`);
    const rng = new Rng(options.seed);
    const data = new Float32Array(size * size);
    const features: SampleFeature[] = [];
    paintBackground(data, size, rng);
    paintGrid(data, size);
    const cells = Math.ceil(size / GRID_PITCH);
    for (let cy = 0; cy < cells; cy++) {
      for (let cx = 0; cx < cells; cx++) {
        if (isClearCell(cy, cx)) continue;
        if (rng.next() < FINE_GRATING_SHARE) {
          const vertical = rng.next() < 0.5;
          paintFineGrating(data, size, cy, cx, vertical);
          features.push({ kind: 'grating', cy, cx, vertical });
        } else paintParticles(data, size, cy, cx, rng, features);
      }
    }
    return new Sample(size, size, data, features);
  }

  /** Value at fractional stage (y, x), bilinear; 0 outside. */
  at(y: number, x: number): number {
    // Outside [0, height − 1] × [0, width − 1] is 0, as with EAA's RegularGridInterpolator(fill_value=0).
    if (!(y >= 0 && y <= this.height - 1 && x >= 0 && x <= this.width - 1)) return 0;
    let y0 = Math.floor(y);
    let x0 = Math.floor(x);
    // On the last row or column, interpolate from the one before with weight 1.
    if (y0 === this.height - 1) y0--;
    if (x0 === this.width - 1) x0--;
    const fy = y - y0;
    const fx = x - x0;
    const d = this.data;
    const i = y0 * this.width + x0;
    const top = d[i] + fx * (d[i + 1] - d[i]);
    const bottom = d[i + this.width] + fx * (d[i + this.width + 1] - d[i + this.width]);
    return top + fy * (bottom - top);
  }
}

function isClearCell(cy: number, cx: number): boolean {
  return (
    cy >= CLEAR_CELLS.rows[0] &&
    cy <= CLEAR_CELLS.rows[1] &&
    cx >= CLEAR_CELLS.cols[0] &&
    cx <= CLEAR_CELLS.cols[1]
  );
}

/** A smooth background from separable cosines (periods 300–900 units), so each pixel costs 3 products. */
function paintBackground(data: Float32Array, size: number, rng: Rng): void {
  const terms = 3;
  const ys: Float32Array[] = [];
  const xs: Float32Array[] = [];
  for (let t = 0; t < terms; t++) {
    const fy = (2 * Math.PI) / rng.uniform(300, 900);
    const fx = (2 * Math.PI) / rng.uniform(300, 900);
    const py = rng.uniform(0, 2 * Math.PI);
    const px = rng.uniform(0, 2 * Math.PI);
    const ty = new Float32Array(size);
    const tx = new Float32Array(size);
    for (let i = 0; i < size; i++) {
      ty[i] = Math.cos(fy * i + py);
      tx[i] = Math.cos(fx * i + px);
    }
    ys.push(ty);
    xs.push(tx);
  }
  const [y0, y1, y2] = ys as [Float32Array, Float32Array, Float32Array];
  const [x0, x1, x2] = xs as [Float32Array, Float32Array, Float32Array];
  const swing = BACKGROUND_SWING / terms;
  for (let r = 0; r < size; r++) {
    const a = y0[r];
    const b = y1[r];
    const c = y2[r];
    const o = r * size;
    for (let col = 0; col < size; col++) {
      data[o + col] = BACKGROUND_MEAN + swing * (a * x0[col] + b * x1[col] + c * x2[col]);
    }
  }
}

/** Line strength (0…1) at each coordinate for lines at multiples of GRID_PITCH. */
function gridProfile(size: number): Float32Array {
  const profile = new Float32Array(size);
  for (let i = 0; i < size; i++) profile[i] = gridLine(i);
  return profile;
}

/** Strength (0…1) of the grid line nearest to coordinate `v` (one axis). */
function gridLine(v: number): number {
  const offset = ((v % GRID_PITCH) + GRID_PITCH) % GRID_PITCH;
  const d = Math.min(offset, GRID_PITCH - offset);
  return Math.exp((-0.5 * d * d) / (LINE_SIGMA * LINE_SIGMA));
}

/** Coverage (0…1) of the grid at (y, x), as painted: crossings count once. */
export function gridCoverage(size: number, y: number, x: number): number {
  if (!(y >= 0 && y <= size - 1 && x >= 0 && x <= size - 1)) return 0;
  const gy = gridLine(y);
  const gx = gridLine(x);
  return gx + gy - gx * gy;
}

/**
 * Height (above the background) that `feature` adds at (y, x), continuous in y and x, 0 away
 * from it: the painted values at integer positions.
 */
export function featureHeight(feature: SampleFeature, y: number, x: number): number {
  if (feature.kind === 'grating') {
    const r0 = feature.cy * GRID_PITCH + 3;
    const c0 = feature.cx * GRID_PITCH + 3;
    const r1 = (feature.cy + 1) * GRID_PITCH - 2;
    const c1 = (feature.cx + 1) * GRID_PITCH - 2;
    if (!(y >= r0 && y < r1 && x >= c0 && x < c1)) return 0;
    const v = feature.vertical ? x : y;
    const offset = v % FINE_GRATING_PITCH;
    const d = Math.min(offset, FINE_GRATING_PITCH - offset);
    return FINE_GRATING_AMPLITUDE * Math.exp((-0.5 * d * d) / (LINE_SIGMA * LINE_SIGMA));
  }
  const dy = y - feature.y;
  const dx = x - feature.x;
  return feature.amplitude * particleProfile(feature.kind, feature.size, dy * dy + dx * dx);
}

/** A particle's profile (0…1) at squared distance d2 from its centre. */
function particleProfile(kind: 'blob' | 'disc', size: number, d2: number): number {
  if (kind === 'blob') return Math.exp((-0.5 * d2) / (size * size));
  // A disc with a logistic edge: flat top, sharp but antialiased rim.
  return 1 / (1 + Math.exp((Math.sqrt(d2) - size) / DISC_EDGE));
}

/** Adds the grid; where lines cross, `1 − (1 − gx)(1 − gy)` keeps the crossing at line height. */
function paintGrid(data: Float32Array, size: number): void {
  const g = gridProfile(size);
  for (let r = 0; r < size; r++) {
    const gy = g[r];
    const o = r * size;
    for (let c = 0; c < size; c++) {
      const gx = g[c];
      const line = gx + gy - gx * gy;
      // Lines are opaque: they replace the background rather than add to it.
      data[o + c] = data[o + c] * (1 - line) + line;
    }
  }
}

/** Fills a cell's interior with lines every FINE_GRATING_PITCH units, a resolution target that blurs out first. */
function paintFineGrating(
  data: Float32Array,
  size: number,
  cy: number,
  cx: number,
  vertical: boolean,
): void {
  // Grating lines sit at multiples of the pitch from 4 to 28 units into the cell; the painted
  // area reaches one unit further each side so that the outer lines keep their tails.
  const profile = new Float32Array(FINE_GRATING_PITCH);
  for (let i = 0; i < FINE_GRATING_PITCH; i++) {
    const d = Math.min(i, FINE_GRATING_PITCH - i);
    profile[i] = FINE_GRATING_AMPLITUDE * Math.exp((-0.5 * d * d) / (LINE_SIGMA * LINE_SIGMA));
  }
  const r0 = cy * GRID_PITCH + 3;
  const c0 = cx * GRID_PITCH + 3;
  const r1 = Math.min(size, (cy + 1) * GRID_PITCH - 2);
  const c1 = Math.min(size, (cx + 1) * GRID_PITCH - 2);
  for (let r = r0; r < r1; r++) {
    for (let c = c0; c < c1; c++) {
      data[r * size + c] += profile[(vertical ? c : r) % FINE_GRATING_PITCH];
    }
  }
}

/** Places 0–2 particles in a cell, far enough from the grid lines that line profiles stay clean. */
function paintParticles(
  data: Float32Array,
  size: number,
  cy: number,
  cx: number,
  rng: Rng,
  features: SampleFeature[],
): void {
  const u = rng.next();
  const count = u < 0.35 ? 0 : u < 0.85 ? 1 : 2;
  for (let n = 0; n < count; n++) {
    const pick = rng.next();
    let acc = 0;
    let particle: (typeof PARTICLES)[number] = PARTICLES[PARTICLES.length - 1];
    for (const p of PARTICLES) {
      acc += p.share;
      if (pick < acc) {
        particle = p;
        break;
      }
    }
    const reach = particle.kind === 'blob' ? 3 * particle.size : particle.size + 3 * DISC_EDGE;
    const margin = reach + 1.5;
    const y = cy * GRID_PITCH + rng.uniform(margin, GRID_PITCH - margin);
    const x = cx * GRID_PITCH + rng.uniform(margin, GRID_PITCH - margin);
    const amplitude = rng.uniform(0.35, 0.8);
    features.push({ kind: particle.kind, y, x, size: particle.size, amplitude });
    const r0 = Math.max(0, Math.floor(y - reach));
    const r1 = Math.min(size - 1, Math.ceil(y + reach));
    const c0 = Math.max(0, Math.floor(x - reach));
    const c1 = Math.min(size - 1, Math.ceil(x + reach));
    for (let r = r0; r <= r1; r++) {
      for (let c = c0; c <= c1; c++) {
        const dy = r - y;
        const dx = c - x;
        data[r * size + c] +=
          amplitude * particleProfile(particle.kind, particle.size, dy * dy + dx * dx);
      }
    }
  }
}
