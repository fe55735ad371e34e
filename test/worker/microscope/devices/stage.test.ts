import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeNpy } from '../../../../worker/artifacts/npy.js';
import { microscopeLab } from './lab.js';

const lab = microscopeLab({ attributeTools: true });
afterAll(() => lab.close());

const image = async (x: number, y: number) => {
  const shot = await lab.ok('acquire_image', {
    x_center: x,
    y_center: y,
    size_x: 48,
    size_y: 32,
    scan_step: 1,
  });
  return decodeNpy(readFileSync(shot.array_path)).data as Float32Array;
};
const same = (a: Float32Array, b: Float32Array) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );

describe('Stage', () => {
  it('starts at home, reports its limits, and moves', async () => {
    expect(await lab.ok('Stage_get_position')).toEqual({
      x: 0,
      y: 0,
      limits: { x: [-500, 500], y: [-500, 500] },
    });
    expect(await lab.ok('Stage_move_to', { x: 120.5, y: -40 })).toMatchObject({ x: 120.5, y: -40 });
    // An omitted axis stays.
    expect(await lab.ok('Stage_move_to', { y: 10 })).toMatchObject({ x: 120.5, y: 10 });
    expect(await lab.ok('Stage_get_x')).toEqual({ value: 120.5, units: 'nm' });
    expect(await lab.ok('Stage_set_y', { value: -3 })).toEqual({ value: -3, units: 'nm' });
    expect(await lab.ok('Stage_get_limits')).toMatchObject({
      value: { x: [-500, 500], y: [-500, 500] },
    });
    await lab.ok('Stage_move_to', { x: 0, y: 0 });
  });

  it('refuses a target beyond its limits, naming the field, the value and the range, and stays put', async () => {
    await lab.ok('Stage_move_to', { x: 10, y: 20 });
    const reply = await lab.fails('Stage_move_to', { x: 900 });
    expect(reply).toMatchObject({ code: 'INVALID_PARAMS', data: { path: ['params', 'x'] } });
    expect(reply.status === 'error' && reply.error).toMatch(/"x" = 900: too big.*500/);
    expect(reply.status === 'error' && reply.error).toMatch(/nm, -500 … 500/);
    const below = await lab.fails('Stage_set_y', { value: -501 });
    expect(below.status === 'error' && below.error).toMatch(/"value" = -501.*-500/);
    expect(await lab.fails('Stage_move_to', {})).toMatchObject({
      code: 'INVALID_PARAMS',
      error: 'move_to needs x, y or both (nm)',
    });
    expect(await lab.ok('Stage_get_position')).toMatchObject({ x: 10, y: 20 });
    // The simulator itself refuses too (what the schema cannot know: limits set in code).
    await expect(lab.rig.sim.stage.moveTo({ x: 0, y: 600 })).rejects.toThrow(
      'stage y = 600 nm is outside the stage limits [-500, 500] nm; the stage did not move',
    );
    await lab.ok('Stage_move_to', { x: 0, y: 0 });
  });

  it('shifts what acquire_image sees: a move by (dx, dy) equals moving the scan centre by (dx, dy)', async () => {
    // Noise off, so that the same specimen points give the same bytes.
    await lab.ok('set_attribute', { name: 'poisson_noise_scale', value: 0 });
    const home = await image(200, 200);
    await lab.ok('Stage_move_to', { x: 32, y: -16 });
    const moved = await image(200, 200);
    expect(same(moved, home)).toBe(false);
    await lab.ok('Stage_move_to', { x: 0, y: 0 });
    expect(same(await image(232, 184), moved)).toBe(true);
    // The line scan follows the stage too: the grid line at x = 160 moves by the stage's x.
    await lab.ok('Stage_move_to', { x: 5, y: 0 });
    const line = await lab.ok('acquire_line_scan', {
      x_center: 160,
      y_center: 170,
      length: 40,
      scan_step: 1,
    });
    await lab.ok('Stage_move_to', { x: 0, y: 0 });
    const homeLine = await lab.ok('acquire_line_scan', {
      x_center: 160,
      y_center: 170,
      length: 40,
      scan_step: 1,
    });
    expect(line.mu - homeLine.mu).toBeCloseTo(-5, 1);
    const state = await lab.ok('get_state');
    expect(state.settings.stage).toEqual({ x: 0, y: 0 });
  });
});
