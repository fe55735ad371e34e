import * as z from 'zod';
import { WorkerError } from '../../../protocol/index.js';
import { DEFAULT_STAGE_LIMITS, type StagePosition } from '../stage.js';
import { defineDeviceClass } from '../../devices/device-class.js';
import { quantity } from '../../devices/quantity.js';
import { rigAttribute, rigCommand, type MicroscopeRig } from './rig.js';

const Axis = (axis: 'x' | 'y') =>
  quantity({
    doc: `Stage ${axis} (specimen point on the optical axis, relative to the specimen centre)`,
    unit: 'nm',
    min: DEFAULT_STAGE_LIMITS[axis][0],
    max: DEFAULT_STAGE_LIMITS[axis][1],
  });

const Position = z.object({
  x: z.number().describe('nm'),
  y: z.number().describe('nm'),
  limits: z
    .object({ x: z.array(z.number()), y: z.array(z.number()) })
    .describe('Travel limits per axis, [min, max] nm.'),
});

function report(rig: MicroscopeRig): z.input<typeof Position> {
  const { x, y } = rig.sim.stage.position();
  const { limits } = rig.sim.stage;
  return { x, y, limits: { x: [...limits.x], y: [...limits.y] } };
}

/** Moves, checking the rig's own limits too (the schema's are the default ones). */
async function move(rig: MicroscopeRig, target: Partial<StagePosition>) {
  const now = rig.sim.stage.position();
  await rig.imaging.column.moveStage({ x: target.x ?? now.x, y: target.y ?? now.y });
  return report(rig);
}

/**
 * Asyncroscopy's STAGE, with the move it lacks: the specimen stage of the simulated
 * microscope. Its position shifts everything the microscope scans, EAA's acquire_image and
 * acquire_line_scan included: with the stage at (x, y), scan point (x_c, y_c) sees specimen
 * point (x_c + x, y_c + y); 1 stage unit = 1 nm.
 */
export const Stage = defineDeviceClass<MicroscopeRig>({
  name: 'Stage',
  doc: 'The specimen stage: x/y in nm within ±500 nm of the specimen centre.',
  commands: {
    move_to: rigCommand({
      doc:
        'Move the stage to (x, y) nm; an omitted axis stays. Targets outside the limits are ' +
        'refused before anything moves; a started move completes.',
      params: z.strictObject({ x: Axis('x').optional(), y: Axis('y').optional() }),
      result: Position,
      destructive: true,
      idempotent: true,
      run(ctx, p) {
        if (p.x === undefined && p.y === undefined) {
          throw new WorkerError('INVALID_PARAMS', 'move_to needs x, y or both (nm)', {
            path: ['params', 'x'],
          });
        }
        return move(ctx.device.state, p);
      },
    }),
    get_position: rigCommand({
      doc: 'Get the stage position and its travel limits, nm.',
      params: z.strictObject({}),
      result: Position,
      readOnly: true,
      idempotent: true,
      run: (ctx) => report(ctx.device.state),
    }),
  },
  attributes: {
    x: rigAttribute({
      doc: 'Control the stage x position, nm (writing it moves the stage).',
      type: Axis('x'),
      units: 'nm',
      get: (ctx) => ctx.device.state.sim.stage.position().x,
      set: async (ctx, x) => void (await move(ctx.device.state, { x })),
    }),
    y: rigAttribute({
      doc: 'Control the stage y position, nm (writing it moves the stage).',
      type: Axis('y'),
      units: 'nm',
      get: (ctx) => ctx.device.state.sim.stage.position().y,
      set: async (ctx, y) => void (await move(ctx.device.state, { y })),
    }),
    limits: rigAttribute({
      doc: 'Get the travel limits per axis, [min, max] nm.',
      type: z.object({ x: z.array(z.number()), y: z.array(z.number()) }),
      units: 'nm',
      get: (ctx) => report(ctx.device.state).limits,
    }),
  },
});
