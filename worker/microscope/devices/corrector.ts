import * as z from 'zod';
import { WorkerError } from '../../../protocol/index.js';
import { ABERRATIONS, type AberrationName } from '../sim/aberrations.js';
import { deriveSeed, Rng } from '../sim/rng.js';
import { C1_RANGE_NM } from '../sim/sim-microscope.js';
import { defineDeviceClass } from '../../devices/device-class.js';
import type { OperationContext } from '../../engine/method-module.js';
import { quantity } from '../../devices/quantity.js';
import { rigAttribute, rigCommand, type MicroscopeRig } from './rig.js';

const CORRECTOR_STREAM = 0xc0de;
/** How long a measurement takes, ms, and its error: a share of each value plus a floor, nm. */
const TABLEAUX = {
  Fast: { ms: 100, relative: 0.05, floorNm: 0.5 },
  Standard: { ms: 200, relative: 0.02, floorNm: 0.2 },
  Enhanced: { ms: 400, relative: 0.01, floorNm: 0.1 },
} as const;
const C1A1 = { ms: 50, relative: 0.02, floorNm: 0.2 };

const Pair = z.array(z.number()).describe('[x, y] nm.');
const Measured = z.object({
  C1: z.number().describe('Defocus, nm; positive: the focus parameter is too high.'),
  A1: Pair.describe('Two-fold astigmatism [x, y], nm.'),
});
const Tableau = Measured.extend({
  tableau: z.string(),
  A2: Pair.describe('Three-fold astigmatism [x, y], nm.'),
  B2: Pair.describe('Axial coma [x, y], nm.'),
  C3: Pair.describe('Spherical aberration [value, 0], nm.'),
});

/** A measurement of each aberration: the truth plus a seeded error of the tableau's size. */
function measure(
  rig: MicroscopeRig,
  names: readonly AberrationName[],
  error: { relative: number; floorNm: number },
) {
  const rng = new Rng(deriveSeed(rig.sim.seed, CORRECTOR_STREAM, rig.draws.corrector++));
  const noisy = (v: number) => v + (Math.abs(v) * error.relative + error.floorNm) * rng.normal();
  const out: Record<string, number | number[]> = {
    C1: noisy(rig.sim.defocusNm(rig.focusIndex)),
  };
  for (const name of names) {
    const [x, y] = rig.sim.aberrations.get(name);
    out[name] = name === 'C3' ? [noisy(x), 0] : [noisy(x), noisy(y)];
  }
  return out;
}

/**
 * Moves the focus parameter by −C1 (converted through C1_RANGE_NM), as a corrector's C1
 * correction refocuses; refused when that leaves the parameter's range.
 */
async function correctDefocus(rig: MicroscopeRig, c1Nm: number, op: OperationContext) {
  const { sim, focusIndex: i } = rig;
  const spec = sim.parameters[i];
  const values = sim.parameterValues();
  const next = values[i] - (c1Nm / C1_RANGE_NM) * (spec.upper - spec.lower);
  if (!(next >= spec.lower && next <= spec.upper)) {
    throw new WorkerError(
      'INVALID_PARAMS',
      `correcting C1 by ${c1Nm} nm would move ${spec.name} to ${next}, outside [${spec.lower}, ` +
        `${spec.upper}]; nothing changed`,
      { path: ['params', 'x'] },
    );
  }
  values[i] = next;
  await rig.imaging.column.setParameters(values, op);
}

/**
 * Asyncroscopy's CORRECTOR (a CEOS probe corrector over JSON-RPC) as a simulation: it measures
 * the residual aberrations of the simulated probe and corrects them. A1, A2, B2 and C3 blur the
 * probe in quadrature with the focus; C1 is the defocus of the focus optics parameter, so a C1
 * correction refocuses (and shows in set_parameters' parameter history).
 */
export const Corrector = defineDeviceClass<MicroscopeRig>({
  name: 'Corrector',
  doc: 'The probe aberration corrector: measure C1/A1 or a full tableau, correct aberrations.',
  commands: {
    get_info: rigCommand({
      doc: 'Get what the corrector is and which aberrations it handles.',
      params: z.strictObject({}),
      result: z.object({
        model: z.string(),
        aberrations: z.array(z.string()),
        units: z.string(),
        status: z.string(),
      }),
      readOnly: true,
      idempotent: true,
      run: (ctx) => ({
        model: 'simulated probe corrector (CEOS-style)',
        aberrations: ['C1', ...ABERRATIONS],
        units: 'nm',
        status: ctx.device.state.corrector.status,
      }),
    }),
    measure_c1a1: rigCommand({
      doc: 'Measure defocus C1 and two-fold astigmatism A1, nm (a quick Zemlin tableau).',
      params: z.strictObject({}),
      result: Measured,
      readOnly: true,
      async run(ctx) {
        await ctx.op.sleep(C1A1.ms);
        const m = measure(ctx.device.state, ['A1'], C1A1);
        ctx.device.state.corrector.status = 'measured C1, A1';
        return m as z.input<typeof Measured>;
      },
    }),
    acquire_tableau: rigCommand({
      doc:
        'Measure every aberration (C1, A1, A2, B2, C3), nm; Fast is quick and rough, Enhanced ' +
        'slow and precise.',
      params: z.strictObject({
        tableau: z
          .enum(['Fast', 'Standard', 'Enhanced'])
          .default('Fast')
          .describe('Fast (±5%), Standard (±2%) or Enhanced (±1%).'),
      }),
      result: Tableau,
      readOnly: true,
      async run(ctx, p) {
        const kind = TABLEAUX[p.tableau];
        await ctx.op.sleep(kind.ms);
        const m = measure(ctx.device.state, ABERRATIONS, kind);
        ctx.device.state.corrector.status = `tableau ${p.tableau} acquired`;
        return { tableau: p.tableau, ...m } as z.input<typeof Tableau>;
      },
    }),
    correct_aberration: rigCommand({
      doc:
        'Correct one aberration by (x, y) nm: passing the measured values removes it, a wrong ' +
        'sign doubles it. C1 moves the focus parameter; C3 takes x only.',
      params: z.strictObject({
        aberration: z.enum(['C1', ...ABERRATIONS]).describe('C1, A1, A2, B2 or C3.'),
        x: quantity({
          doc: 'Amount to remove (C1, C3: the value)',
          unit: 'nm',
          min: -1e5,
          max: 1e5,
        }),
        y: quantity({ doc: 'Amount to remove, y part', unit: 'nm', min: -1e5, max: 1e5 }).default(
          0,
        ),
      }),
      result: z.object({
        aberration: z.string(),
        applied: Pair.describe(
          'The correction applied, [x, y] nm; measure again to see what is left.',
        ),
      }),
      destructive: true,
      async run(ctx, p) {
        const rig = ctx.device.state;
        if (p.aberration === 'C1') await correctDefocus(rig, p.x, ctx.op);
        else rig.sim.aberrations.correct(p.aberration, p.x, p.y);
        rig.corrector.status = `corrected ${p.aberration}`;
        const round = p.aberration === 'C1' || p.aberration === 'C3';
        return { aberration: p.aberration, applied: [p.x, round ? 0 : p.y] };
      },
    }),
  },
  attributes: {
    status_message: rigAttribute({
      doc: "Get the corrector's last status message.",
      type: z.string(),
      get: (ctx) => ctx.device.state.corrector.status,
    }),
  },
});
