/**
 * Seeded random numbers for the simulated microscope. `Math.random` cannot be seeded and the
 * simulation must replay exactly for a seed (tests, bug reports), so every random draw of the
 * imaging core goes through this class. Noise for a 1024² frame needs a million Poisson draws
 * within a few milliseconds, so the samplers avoid `Math.exp`/`Math.log` (about 10 ns each
 * here) on their common paths.
 */

const TWO_POW_32 = 4294967296;
// Hot paths multiply by reciprocals: a division costs several times a multiplication, and
// these are exact (powers of two) or far below the 1e-10 tolerance of the series they feed.
const INV_TWO_POW_32 = 1 / TWO_POW_32;

/** From this mean up, Poisson draws use the normal approximation `round(λ + √λ·z)`. */
export const POISSON_NORMAL_FROM = 30;

// Exact Poisson draws below POISSON_NORMAL_FROM use Poisson(λ) = Poisson(λ₀) + Poisson(λ − λ₀):
// λ₀ is λ rounded down to a multiple of 1/POISSON_GRID, drawn from a precomputed alias table in
// O(1), and the remainder ε < 1/16 by thinning (see poisson()), usually with one comparison.
const POISSON_GRID = 16;
const INV_POISSON_GRID = 1 / POISSON_GRID;
/** P(Poisson(1/16) = 0), and the same as a threshold on a 32-bit draw. */
const REMAINDER_P0 = Math.exp(-INV_POISSON_GRID);
const REMAINDER_ZERO_BELOW = Math.floor(REMAINDER_P0 * 4294967296);
const POISSON_TABLE_BINS = POISSON_NORMAL_FROM * POISSON_GRID;
// Outcomes 0..63 per table: P(X ≥ 64) ≤ 3e-8 for λ₀ < 30, and 64 lets 6 bits of a draw pick a column.
const POISSON_TABLE_SIZE = 64;
// The other 26 bits of the draw decide between a column and its alias, compared as integers.
const ALIAS_FRACTION_BITS = 26;
const ALIAS_FRACTION_MASK = (1 << ALIAS_FRACTION_BITS) - 1;

/** Vose alias tables for Poisson(j / POISSON_GRID): keep column k if the fraction < threshold, else take alias. */
interface PoissonTables {
  threshold: Int32Array;
  alias: Uint8Array;
}

/** Builds the tables for j = 0 … POISSON_TABLE_BINS − 1 (about 1 ms, when the module loads). */
function buildPoissonTables(): PoissonTables {
  const n = POISSON_TABLE_SIZE;
  const threshold = new Int32Array(POISSON_TABLE_BINS * n);
  const alias = new Uint8Array(POISSON_TABLE_BINS * n);
  const scaled = new Float64Array(n);
  const small = new Int32Array(n);
  const large = new Int32Array(n);
  const one = 1 << ALIAS_FRACTION_BITS;
  for (let j = 0; j < POISSON_TABLE_BINS; j++) {
    const lambda = j / POISSON_GRID;
    // Recurrence p(k) = p(k−1)·λ/k from p(0) = e^−λ, renormalised over the 64 kept outcomes.
    let p = Math.exp(-lambda);
    let total = 0;
    for (let k = 0; k < n; k++) {
      if (k > 0) p *= lambda / k;
      scaled[k] = p;
      total += p;
    }
    let nSmall = 0;
    let nLarge = 0;
    for (let k = 0; k < n; k++) {
      scaled[k] *= n / total;
      if (scaled[k] < 1) small[nSmall++] = k;
      else large[nLarge++] = k;
    }
    const base = j * n;
    while (nSmall > 0 && nLarge > 0) {
      const s = small[--nSmall];
      const l = large[nLarge - 1];
      threshold[base + s] = Math.round(scaled[s] * one);
      alias[base + s] = l;
      scaled[l] -= 1 - scaled[s];
      if (scaled[l] < 1) {
        nLarge--;
        small[nSmall++] = l;
      }
    }
    // Whatever is left has probability 1 up to rounding: always keep the column.
    while (nLarge > 0) threshold[base + large[--nLarge]] = one;
    while (nSmall > 0) threshold[base + small[--nSmall]] = one;
  }
  return { threshold, alias };
}

// Module constants rather than lazily built fields: the hot path then loads them directly.
const { threshold: ALIAS_THRESHOLD, alias: ALIAS_OTHER } = buildPoissonTables();

// Ziggurat tables (Marsaglia & Tsang 2000, 128 layers). The layer index and the value come from
// disjoint bits of one 32-bit draw (7 and 25 bits), avoiding the correlation Doornik found in
// the original RNOR, so values are scaled by 2^24.
const ZIG_LAYERS = 128;
const ZIG_R = 3.442619855899;
const ZIG_SCALE = 16777216; // 2^24
const zigK = new Float64Array(ZIG_LAYERS);
const zigW = new Float64Array(ZIG_LAYERS);
const zigF = new Float64Array(ZIG_LAYERS);
{
  const v = 9.91256303526217e-3;
  let dn = ZIG_R;
  let tn = dn;
  const q = v / Math.exp(-0.5 * dn * dn);
  zigK[0] = (dn / q) * ZIG_SCALE;
  zigK[1] = 0;
  zigW[0] = q / ZIG_SCALE;
  zigW[ZIG_LAYERS - 1] = dn / ZIG_SCALE;
  zigF[0] = 1;
  zigF[ZIG_LAYERS - 1] = Math.exp(-0.5 * dn * dn);
  for (let i = ZIG_LAYERS - 2; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(v / dn + Math.exp(-0.5 * dn * dn)));
    zigK[i + 1] = (dn / tn) * ZIG_SCALE;
    tn = dn;
    zigF[i] = Math.exp(-0.5 * dn * dn);
    zigW[i] = dn / ZIG_SCALE;
  }
}

/** The splitmix32 finaliser: a bijection of 32-bit integers that spreads every input bit. */
function splitmix32(v: number): number {
  let z = v | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) | 0;
}

/**
 * A seed for an independent stream under `seed`, e.g. one per (scan, block, purpose): the draws
 * of a block then do not depend on which thread makes them or in what order. 53 bits, as Rng takes.
 */
export function deriveSeed(seed: number, ...parts: number[]): number {
  let hi = splitmix32(Math.trunc(seed / TWO_POW_32) ^ 0x6a09e667);
  let lo = splitmix32((seed | 0) ^ 0x3c6ef372);
  for (const part of parts) {
    hi = splitmix32(hi ^ Math.imul(part | 0, 0x9e3779b9));
    lo = splitmix32(lo + hi + (part | 0));
  }
  return (hi >>> 11) * TWO_POW_32 + (lo >>> 0);
}

/**
 * xoshiro128** (Blackman & Vigna), a 32-bit generator with period 2^128 − 1, seeded through
 * splitmix32 so that nearby seeds give unrelated streams. Its state is four 32-bit integers in
 * fields, so a draw costs about 2 ns here and the methods inline into hot loops.
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** Starts the stream for `seed`; its integer part selects the stream (all 53 bits count). */
  constructor(seed: number) {
    const integer = Number.isFinite(seed) ? Math.trunc(seed) : 0;
    const low = integer | 0;
    const high = Math.floor(integer / TWO_POW_32) | 0;
    const words: number[] = [];
    for (let i = 1; i <= 4; i++) {
      // splitmix32 of both halves, so that 1 and 2^32 + 1 differ too.
      words.push(
        splitmix32(low + Math.imul(i, 0x9e3779b9)) ^ splitmix32(high + Math.imul(i, 0x85ebca6b)),
      );
    }
    [this.s0, this.s1, this.s2, this.s3] = words as [number, number, number, number];
    // An all-zero state would stay zero forever.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Returns the next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const s1 = this.s1;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9);
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 = s1 ^ this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    return result >>> 0;
  }

  /** Returns a uniform number in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.nextUint32() * INV_TWO_POW_32;
  }

  /** Returns a uniform number in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** Returns a standard normal number (ziggurat: one 32-bit draw and no `Math.exp` 99% of the time). */
  normal(): number {
    for (;;) {
      const bits = this.nextUint32();
      const layer = bits & (ZIG_LAYERS - 1);
      const h = (bits | 0) >> 7; // signed 25-bit value, independent of the layer bits
      const x = h * zigW[layer];
      if (Math.abs(h) < zigK[layer]) return x;
      if (layer === 0) {
        // The tail beyond ZIG_R (Marsaglia 1964).
        let tx: number;
        let ty: number;
        do {
          tx = -Math.log(this.openUnit()) / ZIG_R;
          ty = -Math.log(this.openUnit());
        } while (ty + ty < tx * tx);
        return h > 0 ? ZIG_R + tx : -ZIG_R - tx;
      }
      if (zigF[layer] + this.next() * (zigF[layer - 1] - zigF[layer]) < Math.exp(-0.5 * x * x)) {
        return x;
      }
    }
  }

  /**
   * Returns a Poisson-distributed count with mean `lambda` (0 for `lambda` ≤ 0 or NaN). Exact
   * below POISSON_NORMAL_FROM (to the ~1e-8 tail mass beyond 63 that the tables leave out);
   * from there `round(λ + √λ·z)` clipped at 0, whose error is far below the shot noise it models.
   */
  poisson(lambda: number): number {
    if (!(lambda > 0)) return 0;
    if (lambda >= POISSON_NORMAL_FROM) return this.poissonNormal(lambda);
    const bin = (lambda * POISSON_GRID) | 0;
    const bits = this.nextUint32();
    const column = bits >>> ALIAS_FRACTION_BITS;
    const at = bin * POISSON_TABLE_SIZE + column;
    const other = ALIAS_OTHER[at];
    // Branch-free choice between column and alias (a 50/50 branch would be mispredicted half the
    // time): `keep` is −1 (all ones) when the fraction is below the threshold, else 0.
    const keep = ((bits & ALIAS_FRACTION_MASK) - ALIAS_THRESHOLD[at]) >> 31;
    const k = other ^ ((column ^ other) & keep);
    // The remainder ε = λ − λ₀ ∈ [0, 1/16): Poisson(ε) is Poisson(1/16) with each count kept
    // with probability 16ε (thinning). Poisson(1/16) is 0 with the constant probability
    // e^−1/16 ≈ 94%, so the common case is one draw and one integer comparison.
    const draw = this.nextUint32();
    if (draw < REMAINDER_ZERO_BELOW) return k;
    return k + this.thinnedRemainder(draw, (lambda - bin * INV_POISSON_GRID) * POISSON_GRID);
  }

  /** The normal approximation, in its own method so that poisson() stays small enough to inline. */
  private poissonNormal(lambda: number): number {
    const k = Math.floor(lambda + Math.sqrt(lambda) * this.normal() + 0.5);
    return k > 0 ? k : 0;
  }

  /**
   * The rare case of the remainder: given a draw ≥ REMAINDER_ZERO_BELOW, continues inverting
   * Poisson(1/16) from the same uniform, then keeps each of its counts with probability `keep`.
   */
  private thinnedRemainder(draw: number, keep: number): number {
    const u = draw * INV_TWO_POW_32;
    let p = REMAINDER_P0;
    let cdf = p;
    let n = 0;
    while (u >= cdf && n < 20) {
      n++;
      p *= INV_POISSON_GRID / n;
      cdf += p;
    }
    let kept = 0;
    for (let i = 0; i < n; i++) if (this.next() < keep) kept++;
    return kept;
  }

  /** Uniform in (0, 1), never 0, for logarithms. */
  private openUnit(): number {
    return (this.nextUint32() + 0.5) * INV_TWO_POW_32;
  }
}
