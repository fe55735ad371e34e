import { describe, expect, it } from 'vitest';
import { WorkerError } from '../../../protocol/index.js';
import { FOCUS_LINE } from '../../../worker/microscope/sim/sample.js';
import { SimMicroscope } from '../../../worker/microscope/sim/sim-microscope.js';
import { checkStageTarget, SimStage } from '../../../worker/microscope/stage.js';

describe('SimStage', () => {
  it('starts at home, moves, and takes time in proportion to the distance', async () => {
    const stage = new SimStage({ speedNmPerMs: 10, settleMs: 0 });
    expect(stage.position()).toEqual({ x: 0, y: 0 });
    const started = performance.now();
    expect(await stage.moveTo({ x: 300, y: -400 })).toEqual({ x: 300, y: -400 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(45); // 500 nm at 10 nm/ms
  });

  it('refuses a target outside its limits, naming axis, value and range, and does not move', async () => {
    const stage = new SimStage({ limits: { x: [-10, 10], y: [0, 5] } });
    await stage.moveTo({ x: 1, y: 1 });
    const error = await stage.moveTo({ x: 2, y: 6 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerError);
    expect((error as WorkerError).toWire()).toEqual({
      code: 'INVALID_PARAMS',
      message: 'stage y = 6 nm is outside the stage limits [0, 5] nm; the stage did not move',
      data: { path: ['params', 'y'], value: 6, allowed: [0, 5] },
    });
    expect(stage.position()).toEqual({ x: 1, y: 1 });
    expect(() => checkStageTarget(stage.limits, { x: Number.NaN, y: 0 })).toThrow(/stage x = NaN/);
  });

  it('keeps its own copy of the limits', () => {
    const limits = { x: [-1, 1] as [number, number], y: [-1, 1] as [number, number] };
    const stage = new SimStage({ limits });
    limits.x[1] = 100;
    expect(stage.limits.x).toEqual([-1, 1]);
  });
});

describe("the simulated microscope's focus line", () => {
  it('is where the specimen has a lone grid line, in scan coordinates: it moves with the stage', async () => {
    const microscope = new SimMicroscope(
      [{ name: 'z', lower: 0, upper: 10, initial: 10, trueValue: 3 }],
      { blurFactor: 5, driftFactor: 10, poissonNoiseScale: 0, scanJitter: 0 },
      1,
      0,
      { stage: { speedNmPerMs: 1e6, settleMs: 0 } },
    );
    try {
      expect(microscope.focusLine).toEqual(FOCUS_LINE);
      expect(FOCUS_LINE).toEqual({ x: 160, y: 176 });
      await microscope.stage.moveTo({ x: 24, y: -8 });
      // A scan at (x_c, y_c) sees the specimen at (x_c + 24, y_c − 8).
      expect(microscope.focusLine).toEqual({ x: 136, y: 184 });
    } finally {
      await microscope.close();
    }
  });
});
