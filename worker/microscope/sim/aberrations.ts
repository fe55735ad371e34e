import { deriveSeed, Rng } from './rng.js';

/** The probe aberrations a corrector measures and corrects (CEOS notation), besides C1. */
export const ABERRATIONS = ['A1', 'A2', 'B2', 'C3'] as const;
export type AberrationName = (typeof ABERRATIONS)[number];

/**
 * How much of each aberration blurs the probe by one output sample (σ). The scales are the
 * simulator's, chosen so that a corrector tuned to the residuals below leaves no visible blur and
 * a wrong correction of a few tens of nm of A1 does.
 */
const NM_PER_SAMPLE: Record<AberrationName, number> = { A1: 20, A2: 150, B2: 150, C3: 8000 };

/** Rotationally symmetric aberrations have no angle: their y part stays 0. */
const ROUND: ReadonlySet<AberrationName> = new Set(['C3']);

/** Residuals of a freshly tuned corrector, nm: [x, y] for the two-fold and three-fold terms. */
const RESIDUAL_NM: Record<AberrationName, number> = { A1: 0.8, A2: 5, B2: 5, C3: 200 };

const ABERRATION_STREAM = 0xab;

/**
 * The residual aberrations of the simulated probe, nm, as [x, y] components (C3: [value, 0]).
 * Seeded, so that a run replays; they add to the focus blur in quadrature (see blurSamples).
 */
export class Aberrations {
  private readonly values = new Map<AberrationName, [number, number]>();

  constructor(seed: number) {
    const rng = new Rng(deriveSeed(seed, ABERRATION_STREAM));
    for (const name of ABERRATIONS) {
      const r = RESIDUAL_NM[name];
      this.values.set(name, [rng.uniform(-r, r), ROUND.has(name) ? 0 : rng.uniform(-r, r)]);
    }
  }

  get(name: AberrationName): [number, number] {
    const [x, y] = this.values.get(name)!;
    return [x, y];
  }

  /** Every aberration, nm. */
  all(): Record<AberrationName, [number, number]> {
    return Object.fromEntries(ABERRATIONS.map((n) => [n, this.get(n)])) as Record<
      AberrationName,
      [number, number]
    >;
  }

  /**
   * Applies a correction that removes (dx, dy) nm of `name`: passing the measured values zeroes
   * it, a wrong sign doubles it. Returns what remains.
   */
  correct(name: AberrationName, dx: number, dy: number): [number, number] {
    const [x, y] = this.get(name);
    this.values.set(name, [x - dx, ROUND.has(name) ? 0 : y - dy]);
    return this.get(name);
  }

  /** The probe blur they cause, σ in output samples: each term's magnitude over its scale, in quadrature. */
  blurSamples(): number {
    let sum = 0;
    for (const name of ABERRATIONS) {
      const [x, y] = this.get(name);
      const s = Math.hypot(x, y) / NM_PER_SAMPLE[name];
      sum += s * s;
    }
    return Math.sqrt(sum);
  }
}
