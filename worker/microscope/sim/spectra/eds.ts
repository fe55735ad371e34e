import { ELEMENTS, type Composition, type ElementSymbol } from './elements.js';

/** The detector's energy axis: channel i covers [i · width, (i + 1) · width), eV. */
export interface EdsAxis {
  channelEv: number;
  channels: number;
}

/** Energy resolution at Mn Kα (5.895 keV), FWHM eV: a good silicon drift detector. */
const FWHM_MN_EV = 130;
const MN_KA_EV = 5895;
/** Electron-hole pair statistics: FWHM² grows by this × E (eV) — 2.5 × Fano × ε for silicon. */
const FANO_EV = 2.49;
/** Kramers' constant of the bremsstrahlung, per unit of areal density × Z, per keV. */
const KRAMERS = 0.00005;
/** Copper from the specimen grid, seen by the detector whatever the probe is on. */
const SYSTEM_COPPER = 0.02;

/** Detector resolution (FWHM, eV) at energy E (eV). */
export function edsResolutionEv(energyEv: number): number {
  return Math.sqrt(Math.max(FWHM_MN_EV ** 2 + FANO_EV * (energyEv - MN_KA_EV), 40 ** 2));
}

/**
 * The expected X-ray spectrum per unit of dose, per channel: Kramers' bremsstrahlung
 * k·Z·(E₀ − E)/E from every element (E₀ the beam energy), characteristic lines as Gaussians
 * of the detector's resolution, and the grid's copper as a system peak; all seen through the
 * detector's efficiency, which falls off below about 0.3 keV.
 */
export function edsModel(composition: Composition, axis: EdsAxis, voltageKv: number): Float64Array {
  const out = new Float64Array(axis.channels);
  const withGrid: Composition = { ...composition, Cu: (composition.Cu ?? 0) + SYSTEM_COPPER };
  let zSum = 0;
  for (const [element, amount] of Object.entries(composition) as Array<[ElementSymbol, number]>) {
    zSum += amount * ELEMENTS[element].z;
  }
  const e0 = voltageKv * 1000;
  const width = axis.channelEv;
  for (let i = 0; i < axis.channels; i++) {
    const e = (i + 0.5) * width;
    if (e < e0) out[i] = KRAMERS * zSum * ((e0 - e) / e) * (width / 1000);
  }
  for (const [element, amount] of Object.entries(withGrid) as Array<[ElementSymbol, number]>) {
    for (const line of ELEMENTS[element].lines) {
      const centre = line.kev * 1000;
      // A line needs the beam to ionise its shell; at 30–300 kV every line here is excited.
      if (centre >= e0) continue;
      const sigma = edsResolutionEv(centre) / 2.3548;
      const area = amount * line.strength;
      const from = Math.max(0, Math.floor((centre - 5 * sigma) / width));
      const to = Math.min(axis.channels - 1, Math.ceil((centre + 5 * sigma) / width));
      for (let c = from; c <= to; c++) {
        out[c] +=
          area * (gaussCdf((c + 1) * width, centre, sigma) - gaussCdf(c * width, centre, sigma));
      }
    }
  }
  for (let i = 0; i < axis.channels; i++) out[i] *= efficiency((i + 0.5) * width);
  return out;
}

/** A windowless detector's efficiency: the entrance layer absorbs the softest X-rays. */
function efficiency(energyEv: number): number {
  const kev = energyEv / 1000;
  return Math.exp(-((0.12 / kev) ** 2.5));
}

/** Φ((x − μ)/σ), by the Abramowitz–Stegun erf (error below 1.5e-7). */
function gaussCdf(x: number, mu: number, sigma: number): number {
  const z = (x - mu) / (sigma * Math.SQRT2);
  const t = 1 / (1 + 0.3275911 * Math.abs(z));
  const poly =
    t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-z * z);
  return 0.5 * (1 + (z >= 0 ? erf : -erf));
}
