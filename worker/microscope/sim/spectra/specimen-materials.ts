import {
  GRID_PITCH,
  featureHeight,
  gridCoverage,
  type Sample,
  type SampleFeature,
} from '../sample.js';
import type { Composition, ElementSymbol } from './elements.js';

/**
 * What the simulated specimen is made of, so that spectra agree with the image: a gold
 * cross-grating replica (the grid lines and fine gratings, a standard calibration specimen) on
 * an amorphous carbon film with a trace of oxygen, carrying platinum particles (the small
 * blobs), iron-oxide particles (the large blobs, Fe₃O₄) and silver discs. Copper is the
 * specimen grid's: it shows in EDS as a system peak, never under the probe.
 */
const FILM: Composition = { C: 1, O: 0.03 };
/** Areal density per unit of painted height, by what was painted. */
const GRID: Composition = { Au: 3 };
const BY_KIND: Record<'blob-small' | 'blob-large' | 'disc', Composition> = {
  'blob-small': { Pt: 3 },
  'blob-large': { Fe: 1.5, O: 2 },
  disc: { Ag: 2 },
};
/** Painted heights below this are left out of a composition. */
const TRACE = 1e-4;
/** Blobs come in two sizes (sample.ts): below this σ a blob is a small one. */
const SMALL_BLOB = 1.2;

/** The elements the specimen holds, for labelling spectra. */
export const SPECIMEN_ELEMENTS: readonly ElementSymbol[] = ['C', 'O', 'Fe', 'Cu', 'Ag', 'Pt', 'Au'];

/** Composition under a probe at specimen points, from what sample.ts painted. */
export class SpecimenMaterials {
  private readonly byCell = new Map<number, SampleFeature[]>();
  private readonly cells: number;

  constructor(private readonly sample: Sample) {
    this.cells = Math.ceil(sample.width / GRID_PITCH);
    for (const f of sample.features) {
      const [cy, cx] = f.kind === 'grating' ? [f.cy, f.cx] : cellOf(f.y, f.x);
      const key = cy * this.cells + cx;
      let list = this.byCell.get(key);
      if (!list) this.byCell.set(key, (list = []));
      list.push(f);
    }
  }

  /** What lies under a point probe at specimen (y, x), nm; nothing off the specimen. */
  at(y: number, x: number): Composition {
    const out: Composition = {};
    const { width, height } = this.sample;
    if (!(y >= 0 && y <= height - 1 && x >= 0 && x <= width - 1)) return out;
    add(out, FILM, 1);
    add(out, GRID, gridCoverage(width, y, x));
    const [cy, cx] = cellOf(y, x);
    // Particles keep clear of their cell's edges, but a probe near an edge may catch a
    // neighbour's tail: look one cell around.
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        for (const f of this.byCell.get((cy + dy) * this.cells + cx + dx) ?? []) {
          const h = featureHeight(f, y, x);
          // A Gaussian's far tail is no material anyone could detect.
          if (h > TRACE) add(out, materialOf(f), h);
        }
      }
    }
    return out;
  }

  /** The mean composition over points (a scanned area, for a spectrum summed over a frame). */
  mean(points: Array<[y: number, x: number]>): Composition {
    const out: Composition = {};
    for (const [y, x] of points) add(out, this.at(y, x), 1 / points.length);
    return out;
  }
}

function cellOf(y: number, x: number): [number, number] {
  return [Math.floor(y / GRID_PITCH), Math.floor(x / GRID_PITCH)];
}

function materialOf(f: SampleFeature): Composition {
  if (f.kind === 'grating') return GRID;
  if (f.kind === 'disc') return BY_KIND.disc;
  return f.size < SMALL_BLOB ? BY_KIND['blob-small'] : BY_KIND['blob-large'];
}

function add(into: Composition, what: Composition, scale: number): void {
  for (const [element, amount] of Object.entries(what) as Array<[ElementSymbol, number]>) {
    into[element] = (into[element] ?? 0) + amount * scale;
  }
}
