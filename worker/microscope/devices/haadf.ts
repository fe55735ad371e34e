import * as z from 'zod';
import { WorkerError } from '../../../protocol/index.js';
import { ImageResultSchema } from '../../devices/binary-result.js';
import { defineDeviceClass } from '../../devices/device-class.js';
import { quantity } from '../../devices/quantity.js';
import { haadfEfficiency } from './frame.js';
import { microscopeCommands } from './microscope.js';
import { rigAttribute, rigCommand, type MicroscopeRig } from './rig.js';

const Inner = quantity({ doc: 'Inner collection angle', unit: 'mrad', min: 10, max: 150 });
const Outer = quantity({ doc: 'Outer collection angle', unit: 'mrad', min: 60, max: 300 });

const Settings = z.object({
  inner_angle: z.number().describe('mrad'),
  outer_angle: z.number().describe('mrad'),
  efficiency: z.number().describe('Share of the beam the annulus collects (sets the counts).'),
});

function settings(rig: MicroscopeRig): z.input<typeof Settings> {
  return {
    inner_angle: rig.haadf.innerMrad,
    outer_angle: rig.haadf.outerMrad,
    efficiency: haadfEfficiency(rig),
  };
}

/** Sets the annulus when inner < outer; nothing changes otherwise. */
function setAngles(rig: MicroscopeRig, inner: number, outer: number, field: string): void {
  if (!(inner < outer)) {
    throw new WorkerError(
      'INVALID_PARAMS',
      `the inner angle (${inner} mrad) must be below the outer angle (${outer} mrad); nothing changed`,
      { path: ['params', field] },
    );
  }
  rig.haadf.innerMrad = inner;
  rig.haadf.outerMrad = outer;
}

/**
 * The high-angle annular dark-field detector. Its annulus sets how much of the beam it
 * collects, hence the counts and the shot noise of every frame; acquire scans a frame as the
 * Microscope's get_image does.
 */
export const HAADF = defineDeviceClass<MicroscopeRig>({
  name: 'HAADF',
  doc: 'The HAADF STEM detector: collection angles and frame acquisition.',
  commands: {
    acquire: rigCommand({ ...microscopeCommands.get_image, result: ImageResultSchema }),
    configure: rigCommand({
      doc: 'Set the collection angles, mrad (omitted ones stay); inner must stay below outer.',
      params: z.strictObject({ inner_angle: Inner.optional(), outer_angle: Outer.optional() }),
      result: Settings,
      idempotent: true,
      run(ctx, p) {
        const rig = ctx.device.state;
        setAngles(
          rig,
          p.inner_angle ?? rig.haadf.innerMrad,
          p.outer_angle ?? rig.haadf.outerMrad,
          p.inner_angle !== undefined ? 'inner_angle' : 'outer_angle',
        );
        return settings(rig);
      },
    }),
    get_settings: rigCommand({
      doc: 'Get the collection angles and the share of the beam they collect.',
      params: z.strictObject({}),
      result: Settings,
      readOnly: true,
      idempotent: true,
      run: (ctx) => settings(ctx.device.state),
    }),
  },
  attributes: {
    inner_angle: rigAttribute({
      doc: 'Control the inner collection angle, mrad.',
      type: Inner,
      units: 'mrad',
      get: (ctx) => ctx.device.state.haadf.innerMrad,
      set: (ctx, v) => setAngles(ctx.device.state, v, ctx.device.state.haadf.outerMrad, 'value'),
    }),
    outer_angle: rigAttribute({
      doc: 'Control the outer collection angle, mrad.',
      type: Outer,
      units: 'mrad',
      get: (ctx) => ctx.device.state.haadf.outerMrad,
      set: (ctx, v) => setAngles(ctx.device.state, ctx.device.state.haadf.innerMrad, v, 'value'),
    }),
  },
});
