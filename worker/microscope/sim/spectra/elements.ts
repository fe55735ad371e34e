/**
 * The elements of the simulated specimen with the spectroscopic data the spectra are built from:
 * X-ray line energies (keV; Bearden's tables, as in every EDS package) with relative strengths
 * chosen for a 200 kV beam and a windowless SDD, and EELS edge onsets (eV; Ahn & Krivanek's EELS
 * Atlas) with their shapes. Strengths are the simulator's, tuned to look right, not quantitative.
 */
export const ELEMENT_SYMBOLS = ['C', 'O', 'Fe', 'Cu', 'Ag', 'Pt', 'Au'] as const;
export type ElementSymbol = (typeof ELEMENT_SYMBOLS)[number];

/** One characteristic X-ray line. */
export interface XrayLine {
  line: string;
  kev: number;
  /** Counts per unit of areal density, relative across all lines. */
  strength: number;
}

/** One EELS ionisation edge. */
export interface EelsEdge {
  edge: string;
  onsetEv: number;
  /** Jump per unit of areal density, relative to the background at the onset. */
  jump: number;
  /** eV from onset to the maximum of a delayed edge (M4,5 of Ag, N and M of Pt and Au); 0: sharp. */
  delayEv: number;
  /** Near-edge peaks (white lines, π*), each as a multiple of the jump, FWHM in eV. */
  peaks: Array<{ ev: number; height: number; fwhmEv: number }>;
}

/** An element of the specimen. */
export interface ElementData {
  z: number;
  name: string;
  lines: XrayLine[];
  edges: EelsEdge[];
  /** Bulk plasmon energy, eV. */
  plasmonEv: number;
}

export const ELEMENTS: Record<ElementSymbol, ElementData> = {
  C: {
    z: 6,
    name: 'carbon',
    lines: [{ line: 'Kα', kev: 0.277, strength: 0.15 }],
    edges: [
      {
        edge: 'K',
        onsetEv: 284,
        jump: 4,
        delayEv: 0,
        // Amorphous carbon's π* peak, the mark of sp² bonding.
        peaks: [{ ev: 285.5, height: 1.2, fwhmEv: 1.5 }],
      },
    ],
    plasmonEv: 24,
  },
  O: {
    z: 8,
    name: 'oxygen',
    lines: [{ line: 'Kα', kev: 0.525, strength: 0.3 }],
    edges: [
      {
        edge: 'K',
        onsetEv: 532,
        jump: 5,
        delayEv: 0,
        peaks: [{ ev: 538, height: 0.8, fwhmEv: 4 }],
      },
    ],
    plasmonEv: 22,
  },
  Fe: {
    z: 26,
    name: 'iron',
    lines: [
      { line: 'Lα', kev: 0.705, strength: 0.15 },
      { line: 'Kα', kev: 6.404, strength: 1 },
      { line: 'Kβ', kev: 7.058, strength: 0.13 },
    ],
    edges: [
      {
        edge: 'L2,3',
        onsetEv: 708,
        jump: 3,
        delayEv: 0,
        // The L3 and L2 white lines, about 3:1 in an oxide.
        peaks: [
          { ev: 709.5, height: 6, fwhmEv: 2 },
          { ev: 722.5, height: 2, fwhmEv: 2.5 },
        ],
      },
    ],
    plasmonEv: 23,
  },
  Cu: {
    z: 29,
    name: 'copper',
    lines: [
      { line: 'Lα', kev: 0.93, strength: 0.2 },
      { line: 'Kα', kev: 8.048, strength: 1 },
      { line: 'Kβ', kev: 8.905, strength: 0.13 },
    ],
    edges: [{ edge: 'L2,3', onsetEv: 931, jump: 3, delayEv: 0, peaks: [] }],
    plasmonEv: 20,
  },
  Ag: {
    z: 47,
    name: 'silver',
    lines: [
      { line: 'Lα', kev: 2.984, strength: 0.8 },
      { line: 'Lβ1', kev: 3.151, strength: 0.45 },
      { line: 'Lβ2', kev: 3.348, strength: 0.1 },
    ],
    edges: [{ edge: 'M4,5', onsetEv: 367, jump: 4, delayEv: 30, peaks: [] }],
    plasmonEv: 25,
  },
  Pt: {
    z: 78,
    name: 'platinum',
    lines: [
      { line: 'Mα', kev: 2.048, strength: 0.7 },
      { line: 'Lα', kev: 9.442, strength: 0.6 },
      { line: 'Lβ1', kev: 11.071, strength: 0.35 },
      { line: 'Lγ1', kev: 12.942, strength: 0.06 },
    ],
    edges: [
      { edge: 'N6,7', onsetEv: 71, jump: 0.5, delayEv: 20, peaks: [] },
      { edge: 'M4,5', onsetEv: 2122, jump: 2, delayEv: 60, peaks: [] },
    ],
    plasmonEv: 26,
  },
  Au: {
    z: 79,
    name: 'gold',
    lines: [
      { line: 'Mα', kev: 2.123, strength: 0.7 },
      { line: 'Lα', kev: 9.713, strength: 0.6 },
      { line: 'Lβ1', kev: 11.443, strength: 0.35 },
      { line: 'Lγ1', kev: 13.382, strength: 0.06 },
    ],
    edges: [
      { edge: 'N6,7', onsetEv: 83, jump: 0.5, delayEv: 20, peaks: [] },
      { edge: 'M4,5', onsetEv: 2206, jump: 2, delayEv: 60, peaks: [] },
    ],
    plasmonEv: 25,
  },
};

/** Amounts of each element under the probe (areal density, arbitrary but common units). */
export type Composition = Partial<Record<ElementSymbol, number>>;
