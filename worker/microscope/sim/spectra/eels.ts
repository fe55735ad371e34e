import { ELEMENTS, type Composition, type ElementSymbol } from './elements.js';

/** The spectrometer's energy axis: channel i is at offset + i · dispersion, eV. */
export interface EelsAxis {
  offsetEv: number;
  dispersionEv: number;
  channels: number;
}

/** Resolution of the zero-loss peak (a Schottky emitter), FWHM eV. */
const ZLP_FWHM_EV = 0.8;
/** Plasmon peak width (FWHM) of the first plasmon, eV; the n-th is n times wider. */
const PLASMON_FWHM_EV = 8;
const MAX_PLASMONS = 4;
/** Background exponent r of A·E^−r, and the slower decay of the edges above their onsets. */
const BACKGROUND_R = 3;
const EDGE_R = 2.5;
/** Share of the first plasmon's intensity in the single-scattering tail, per Ep. */
const TAIL = 0.5;
/** t/λ per unit of areal density: carbon is light, the rest (metals, oxide) denser. */
const MFP_PER_UNIT: Partial<Record<ElementSymbol, number>> = { C: 0.3, O: 0.05 };
const MFP_HEAVY = 0.15;

/**
 * The expected electron-energy-loss spectrum per incident electron, per channel, for what lies
 * under the probe: a zero-loss peak with the unscattered fraction e^(−t/λ), plasmons in Poisson
 * proportions (t/λ)ⁿ/n! e^(−t/λ) at n·Ep, a power-law tail A·E^−3 and, above each element's
 * edge onsets, ionisation edges decaying as E^−2.5 with their near-edge peaks (C π*, the Fe L3
 * and L2 white lines) and the delayed maxima of M and N edges. In vacuum only the zero-loss
 * peak remains.
 */
export function eelsModel(composition: Composition, axis: EelsAxis): Float64Array {
  const out = new Float64Array(axis.channels);
  let tl = 0;
  let weight = 0;
  let plasmon = 0;
  for (const [element, amount] of Object.entries(composition) as Array<[ElementSymbol, number]>) {
    tl += amount * (MFP_PER_UNIT[element] ?? MFP_HEAVY);
    weight += amount;
    plasmon += amount * ELEMENTS[element].plasmonEv;
  }
  const ep = weight > 0 ? plasmon / weight : 24;
  const p0 = Math.exp(-tl);
  const p1 = p0 * tl;
  const tailA = (TAIL * p1) / ep;
  const background = (e: number) =>
    e > 0 ? (tailA / (1 + (e / ep) ** BACKGROUND_R)) * rise(e, 3, 1) : 0;
  const zlpSigma = ZLP_FWHM_EV / 2.3548;

  for (let i = 0; i < axis.channels; i++) {
    const e = axis.offsetEv + (i + 0.5) * axis.dispersionEv;
    let v =
      (p0 * Math.exp((-0.5 * e * e) / (zlpSigma * zlpSigma))) / (zlpSigma * Math.sqrt(2 * Math.PI));
    let pn = p0;
    for (let n = 1; n <= MAX_PLASMONS; n++) {
      pn *= tl / n;
      v += pn * lorentzian(e, n * ep, n * PLASMON_FWHM_EV) * rise(e, 3, 1);
    }
    v += background(e);
    for (const [element, amount] of Object.entries(composition) as Array<[ElementSymbol, number]>) {
      for (const edge of ELEMENTS[element].edges) {
        if (e < edge.onsetEv - 5) continue;
        const base = amount * edge.jump * background(edge.onsetEv);
        // The onset is as sharp as the resolution allows; a delayed edge climbs to its maximum.
        let shape =
          rise(e, edge.onsetEv, ZLP_FWHM_EV / 2) *
          (Math.max(e, edge.onsetEv) / edge.onsetEv) ** -EDGE_R;
        if (edge.delayEv > 0) shape *= smoothstep((e - edge.onsetEv) / edge.delayEv);
        let peaks = 0;
        for (const p of edge.peaks)
          peaks += (p.height * lorentzian(e, p.ev, p.fwhmEv) * (Math.PI * p.fwhmEv)) / 2;
        v += base * (shape + peaks);
      }
    }
    out[i] = v * axis.dispersionEv;
  }
  return out;
}

/** An area-normalised Lorentzian at `centre` with full width `fwhm`. */
function lorentzian(e: number, centre: number, fwhm: number): number {
  const g = fwhm / 2;
  const d = e - centre;
  return g / (Math.PI * (d * d + g * g));
}

/** A logistic step from 0 to 1 around `at` with width `w`. */
function rise(e: number, at: number, w: number): number {
  return 1 / (1 + Math.exp(-(e - at) / w));
}

/** 0 below 0, 1 above 1, smooth between. */
function smoothstep(t: number): number {
  if (t <= 0) return 0;
  if (t >= 1) return 1;
  return t * t * (3 - 2 * t);
}
