import * as z from 'zod';
import { deriveSeed, Rng } from '../sim/rng.js';
import { poissonCounts } from '../sim/spectra/counts.js';
import { edsModel } from '../sim/spectra/eds.js';
import { eelsModel } from '../sim/spectra/eels.js';
import { ELEMENTS, type Composition } from '../sim/spectra/elements.js';
import { SPECIMEN_ELEMENTS } from '../sim/spectra/specimen-materials.js';
import { arrayResult } from '../../devices/binary-result.js';
import type { DeviceContext } from '../../devices/device-class.js';
import { quantity } from '../../devices/quantity.js';
import { ELECTRONS_PER_PA_US } from './frame.js';
import { fieldOfViewNm, type MicroscopeRig } from './rig.js';

/** X-ray counts per pA per second per unit of the EDS model (a large solid-angle SDD array). */
const EDS_COUNTS_PER_PA_S = 200;
const SPECTRUM_STREAM = 0x5bec;

/** The spectroscopies the simulated column has. */
export const SPECTROMETERS = ['eels', 'eds'] as const;
export type Spectrometer = (typeof SPECTROMETERS)[number];

/** Where the beam is parked, as a share of the field of view (Asyncroscopy's beam_pos). */
export const BeamParams = {
  x: quantity({
    doc: 'Beam position across the field of view, 0 = left edge, 1 = right edge',
    unit: '1',
    min: 0,
    max: 1,
  }).default(0.5),
  y: quantity({
    doc: 'Beam position down the field of view, 0 = top edge, 1 = bottom edge',
    unit: '1',
    min: 0,
    max: 1,
  }).default(0.5),
};

/** The next spectrum's random stream: replays for a seed and acquisition number. */
function nextRng(rig: MicroscopeRig): Rng {
  return new Rng(deriveSeed(rig.sim.seed, SPECTRUM_STREAM, rig.draws.spectra++));
}

/** The specimen point (nm) under the beam at a fractional field position. */
function beamTarget(rig: MicroscopeRig, beam: { x: number; y: number }): [number, number] {
  const fov = fieldOfViewNm(rig);
  const c = rig.sim.fieldCenter;
  return rig.sim.specimenPoint(c.y + (beam.y - 0.5) * fov, c.x + (beam.x - 0.5) * fov);
}

/** The mean composition over a frame: a 16 × 16 grid of probe positions across the field. */
export function frameComposition(rig: MicroscopeRig): Composition {
  const points: Array<[number, number]> = [];
  const n = 16;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++)
      points.push(beamTarget(rig, { x: (j + 0.5) / n, y: (i + 0.5) / n }));
  }
  return rig.sim.materials.mean(points);
}

/**
 * An EELS spectrum (counts per channel, float32) of `composition` for `exposureMs` of the
 * probe: zero-loss peak, plasmons, background and the specimen's edges, with shot noise.
 */
export async function eelsSpectrum(
  ctx: DeviceContext<MicroscopeRig>,
  o: { composition: Composition; exposureMs: number; where: Record<string, unknown> },
) {
  const rig = ctx.device.state;
  const { offsetEv, dispersionEv, channels } = rig.eels;
  const model = eelsModel(o.composition, { offsetEv, dispersionEv, channels });
  const electrons = rig.column.probeCurrentPa * o.exposureMs * 1000 * ELECTRONS_PER_PA_US;
  const acquisition = rig.draws.spectra;
  const counts = poissonCounts(model, electrons, nextRng(rig));
  const top = offsetEv + dispersionEv * channels;
  return arrayResult(ctx, {
    data: counts,
    shape: [channels],
    name: 'eels',
    metadata: {
      detector: 'eels',
      timestamp: new Date().toISOString(),
      units: 'counts',
      energy_offset_ev: offsetEv,
      dispersion_ev: dispersionEv,
      channels,
      axis: 'energy loss, eV: offset + (i + 0.5) × dispersion',
      exposure_ms: o.exposureMs,
      voltage_kv: rig.column.voltageKv,
      probe_current_pa: rig.column.probeCurrentPa,
      acquisition,
      ...o.where,
      reference_edges: SPECIMEN_ELEMENTS.flatMap((el) =>
        ELEMENTS[el].edges
          .filter((e) => e.onsetEv >= offsetEv && e.onsetEv < top)
          .map((e) => ({ element: el, edge: e.edge, onset_ev: e.onsetEv })),
      ),
    },
  });
}

/** An EDS spectrum (counts per channel) of `composition`: continuum, lines and the grid's Cu. */
export async function edsSpectrum(
  ctx: DeviceContext<MicroscopeRig>,
  o: { composition: Composition; exposureMs: number; where: Record<string, unknown> },
) {
  const rig = ctx.device.state;
  const { channelEv, channels } = rig.eds;
  const model = edsModel(o.composition, { channelEv, channels }, rig.column.voltageKv);
  const dose = rig.column.probeCurrentPa * (o.exposureMs / 1000) * EDS_COUNTS_PER_PA_S;
  const acquisition = rig.draws.spectra;
  const counts = poissonCounts(model, dose, nextRng(rig));
  const topKev = (channelEv * channels) / 1000;
  return arrayResult(ctx, {
    data: counts,
    shape: [channels],
    name: 'eds',
    metadata: {
      detector: 'eds',
      timestamp: new Date().toISOString(),
      units: 'counts',
      channel_width_ev: channelEv,
      channels,
      axis: 'X-ray energy, eV: (i + 0.5) × channel_width',
      exposure_ms: o.exposureMs,
      voltage_kv: rig.column.voltageKv,
      probe_current_pa: rig.column.probeCurrentPa,
      acquisition,
      ...o.where,
      reference_lines: SPECIMEN_ELEMENTS.flatMap((el) =>
        ELEMENTS[el].lines
          .filter((l) => l.kev < topKev)
          .map((l) => ({ element: el, line: l.line, kev: l.kev })),
      ),
    },
  });
}

/**
 * A spectrum with the beam parked at a field position for the spectrometer's exposure time
 * (spent, cancellably, as the acquisition would be).
 */
export async function pointSpectrum(
  ctx: DeviceContext<MicroscopeRig>,
  detector: Spectrometer,
  beam: { x: number; y: number },
) {
  const rig = ctx.device.state;
  const exposureMs = detector === 'eels' ? rig.eels.exposureMs : rig.eds.exposureMs;
  await ctx.op.sleep(exposureMs);
  const [y, x] = beamTarget(rig, beam);
  const where = { beam: { x: beam.x, y: beam.y }, specimen_nm: { x, y } };
  const composition = rig.sim.materials.at(y, x);
  return detector === 'eels'
    ? eelsSpectrum(ctx, { composition, exposureMs, where })
    : edsSpectrum(ctx, { composition, exposureMs, where });
}

/** Params of a point spectrum. */
export const PointSpectrumParams = z.strictObject(BeamParams);
