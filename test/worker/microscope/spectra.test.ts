import { describe, expect, it } from 'vitest';
import { Aberrations } from '../../../worker/microscope/sim/aberrations.js';
import { Rng } from '../../../worker/microscope/sim/rng.js';
import { Sample } from '../../../worker/microscope/sim/sample.js';
import { poissonCounts } from '../../../worker/microscope/sim/spectra/counts.js';
import { edsModel, edsResolutionEv } from '../../../worker/microscope/sim/spectra/eds.js';
import { eelsModel } from '../../../worker/microscope/sim/spectra/eels.js';
import { SpecimenMaterials } from '../../../worker/microscope/sim/spectra/specimen-materials.js';

const EELS_AXIS = { offsetEv: -20, dispersionEv: 0.5, channels: 2048 };
const eelsAt = (m: Float64Array, ev: number) =>
  m[Math.round((ev - EELS_AXIS.offsetEv) / EELS_AXIS.dispersionEv)];

describe('eelsModel', () => {
  it('has a zero-loss peak holding e^(−t/λ) of the beam, and a plasmon at n·Ep', () => {
    const m = eelsModel({ C: 1 }, EELS_AXIS);
    const total = m.reduce((a, b) => a + b, 0);
    // About the whole beam: the single-scattering tail comes on top of the plasmons (≈ 10 %).
    expect(total).toBeGreaterThan(0.95);
    expect(total).toBeLessThan(1.15);
    // −20 … 5 eV, where only the plasmons' Lorentzian tails add a little.
    const zlp = m.slice(0, 50).reduce((a, b) => a + b, 0);
    expect(zlp).toBeGreaterThan(Math.exp(-0.3));
    expect(zlp).toBeLessThan(Math.exp(-0.3) + 0.03);
    const plasmon = m.indexOf(Math.max(...m.slice(80, 200)), 80);
    expect(EELS_AXIS.offsetEv + (plasmon + 0.5) * 0.5).toBeCloseTo(24, 0);
  });

  it('steps up at the edges of what is there, with the C π* peak and the Fe white lines, and not elsewhere', () => {
    const film = eelsModel({ C: 1, O: 0.03 }, EELS_AXIS);
    expect(eelsAt(film, 290)).toBeGreaterThan(1.5 * eelsAt(film, 280));
    expect(eelsAt(film, 285.5)).toBeGreaterThan(eelsAt(film, 290));
    expect(eelsAt(film, 709.5)).toBeLessThan(eelsAt(film, 700));
    const oxide = eelsModel({ C: 1, Fe: 1, O: 1.3 }, EELS_AXIS);
    expect(eelsAt(oxide, 709.5)).toBeGreaterThan(1.5 * eelsAt(oxide, 700));
    expect(eelsAt(oxide, 709.5)).toBeGreaterThan(eelsAt(oxide, 722.5)); // L3 above L2
    expect(eelsAt(oxide, 540)).toBeGreaterThan(1.2 * eelsAt(oxide, 528));
  });

  it('is a bare zero-loss peak in vacuum', () => {
    const m = eelsModel({}, EELS_AXIS);
    expect(m.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
    expect(eelsAt(m, 50)).toBe(0);
  });
});

describe('edsModel', () => {
  const axis = { channelEv: 10, channels: 2048 };
  const at = (m: Float64Array, kev: number) => m[Math.floor(kev * 100)];

  it('puts each element’s lines at their energies over a Kramers continuum, plus the grid’s Cu', () => {
    const gold = edsModel({ C: 1, Au: 3 }, axis, 200);
    expect(at(gold, 9.713)).toBeGreaterThan(20 * at(gold, 9.2));
    expect(at(gold, 2.123)).toBeGreaterThan(at(gold, 1.9) * 5);
    expect(at(gold, 8.048)).toBeGreaterThan(at(gold, 7.6));
    const film = edsModel({ C: 1 }, axis, 200);
    expect(at(film, 9.713)).toBeLessThan(2 * at(film, 9.2));
    // The continuum falls with energy; a lower beam energy gives less of it at the top.
    expect(at(film, 5)).toBeGreaterThan(at(film, 15));
    expect(at(edsModel({ C: 1 }, axis, 30), 15)).toBeLessThan(at(film, 15));
  });

  it('resolves as a silicon drift detector: 130 eV at Mn Kα, narrower below', () => {
    expect(edsResolutionEv(5895)).toBeCloseTo(130, 6);
    expect(edsResolutionEv(277)).toBeLessThan(80);
    expect(edsResolutionEv(9713)).toBeGreaterThan(140);
  });
});

describe('poissonCounts', () => {
  it('replays for a seed and has the model times the dose as its mean', () => {
    const model = new Float64Array(1000).fill(0.5);
    const a = poissonCounts(model, 40, new Rng(3));
    expect(Array.from(poissonCounts(model, 40, new Rng(3)))).toEqual(Array.from(a));
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean).toBeGreaterThan(19);
    expect(mean).toBeLessThan(21);
    expect(a.every((v) => Number.isInteger(v) && v >= 0)).toBe(true);
  });
});

describe('SpecimenMaterials', () => {
  const sample = Sample.generate({ seed: 4, size: 256 });
  const materials = new SpecimenMaterials(sample);

  it('records what was painted, and finds it under the probe', () => {
    expect(sample.features.length).toBeGreaterThan(20);
    const disc = sample.features.find((f) => f.kind === 'disc')!;
    if (disc.kind === 'grating') throw new Error('unreachable');
    expect(materials.at(disc.y, disc.x).Ag).toBeGreaterThan(0.5);
    expect(materials.at(disc.y, disc.x).C).toBe(1);
    expect(materials.at(64, 100).Au).toBeCloseTo(3, 6); // on the grid line y = 64
    expect(materials.at(-1, 5)).toEqual({});
  });

  it('averages over points', () => {
    expect(
      materials.mean([
        [64, 100],
        [-5, -5],
      ]),
    ).toEqual({ C: 0.5, O: 0.015, Au: 1.5 });
  });
});

describe('Aberrations', () => {
  it('start as seeded residuals too small to blur, and a correction subtracts', () => {
    const a = new Aberrations(7);
    expect(new Aberrations(7).all()).toEqual(a.all());
    expect(a.blurSamples()).toBeLessThan(0.125);
    const [x, y] = a.get('A1');
    expect(a.correct('A1', x, y)).toEqual([0, 0]);
    expect(a.correct('C3', 100, 50)[1]).toBe(0);
    a.correct('A1', -40, 0);
    expect(a.blurSamples()).toBeGreaterThan(1.9);
  });
});
