import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkerClient } from '../../frontend/worker-client/index.js';
import { decodeNpy } from '../../worker/artifacts/npy.js';
import { startWorkerProcess } from '../helpers/lab.js';
import { stopAllProcesses } from '../helpers/labrelay-process.js';
import { microscopeLab, type MicroscopeLab } from '../worker/microscope/devices/lab.js';

/*
 * The composite tools on a worker runtime in this process, through the real dispatcher (params
 * validation, the microscope resource, progress, cancel), with the simulated microscope's
 * devices served beside them as start.ts serves them:
 *
 *   autofocus       set_parameters × steps, a scan per step, progress per step
 *   acquire_mosaic  Stage move + scan per tile, progress per tile; cancel → stage back
 */
let labs: MicroscopeLab[] = [];
const lab = (o: Parameters<typeof microscopeLab>[0] = {}) => {
  const l = microscopeLab(o);
  labs.push(l);
  return l;
};
afterEach(async () => {
  await Promise.all(labs.map((l) => l.close()));
  labs = [];
});

const focusAt = (trueValue: number, seed: number) =>
  lab({
    config: { seed, parameters: [{ name: 'z', true_value: trueValue, lower: 0, upper: 10 }] },
  });

const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Resolves once `predicate` holds, polling every 2 ms. */
async function until(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = performance.now();
  while (!predicate()) {
    if (performance.now() - start > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe('autofocus', () => {
  // The sweep is 21 steps over z ∈ [0, 10], 0.5 apart; the true focus is off the steps.
  it.each([
    [2.2, 1],
    [3.3, 2],
    [6.81, 3],
    [8.05, 4],
  ])(
    'lands within 0.15 (a third of a step) of the true focus %s by image contrast (seed %s)',
    async (trueValue, seed) => {
      const l = focusAt(trueValue, seed);
      const r = await l.ok('autofocus', {});
      expect(r).toMatchObject({ parameter: 'z', metric: 'contrast', refined: true });
      expect(Math.abs(r.best_value - trueValue)).toBeLessThanOrEqual(0.15);
      expect(r.steps).toHaveLength(21);
      expect(r.steps.every((s: { score: number | null }) => s.score !== null)).toBe(true);
      // The microscope is left at the best value, and the sweep is in the parameter history.
      const state = await l.ok('get_state');
      expect(state.parameters.z).toBe(r.best_value);
      expect(r.parameters).toEqual({ z: r.best_value });
      expect(state.parameter_history.z).toHaveLength(22);
      // Scoring images are not kept.
      expect(state.counter_acquire_image).toBe(0);
    },
  );

  it.each([
    [2.2, 1],
    [4.77, 5],
    [7.4, 6],
  ])(
    'lands within 0.5 (one step) of the true focus %s by line-scan FWHM (seed %s)',
    async (trueValue, seed) => {
      const l = focusAt(trueValue, seed);
      const r = await l.ok('autofocus', { metric: 'line_fwhm' });
      expect(Math.abs(r.best_value - trueValue)).toBeLessThanOrEqual(0.5);
      // The best FWHM is close to the specimen's own line width (σ 0.55 → 1.3).
      expect(r.best_score).toBeLessThan(2);
    },
  );

  it('scores lines where the microscope knows a feature to be, following a stage move', async () => {
    const l = focusAt(4.77, 5);
    // 24 nm: a scan at the home focus line would now fall in an empty cell.
    await l.ok('Stage_move_to', { x: 24, y: 0 });
    const r = await l.ok('autofocus', { metric: 'line_fwhm' });
    expect(Math.abs(r.best_value - 4.77)).toBeLessThanOrEqual(0.5);
    expect(r.best_score).toBeLessThan(2);
  });

  it('reports each step as progress, in order, with the score', async () => {
    const l = focusAt(3, 1);
    await l.send('autofocus', { steps: 5, lower: 1, upper: 5 }, 'af');
    const steps = l.progress.filter((p) => p.id === 'af' && Number.isInteger(p.progress));
    expect(steps.map((p) => p.progress)).toEqual([1, 2, 3, 4, 5]);
    expect(steps.every((p) => p.total === 5)).toBe(true);
    expect(steps[0].message).toMatch(/^z = 1: contrast \d/);
  });

  it('can be cancelled between steps, and puts the parameter back where it was', async () => {
    const l = focusAt(3, 1);
    // 128² samples at 5 µs: about 80 ms a step.
    const run = l.send('autofocus', { size: 64, scan_step: 0.5, dwell_us: 5 }, 'af');
    await until(() => l.progress.some((p) => p.id === 'af' && p.progress >= 3));
    expect(await l.send('cancel', { id: 'af' })).toMatchObject({
      result: { state: 'running', cancelled: true },
    });
    const reply = await run;
    expect(reply).toMatchObject({ status: 'error', code: 'CANCELLED' });
    const state = await l.ok('get_state');
    expect(state.parameters.z).toBe(10);
    expect(state.parameter_history.z.at(-1)).toBe(10);
  });

  it('refuses a sweep outside the parameter range, or an unknown parameter, before anything moves', async () => {
    const l = focusAt(3, 1);
    const outside = await l.fails('autofocus', { lower: -1 });
    expect(outside).toMatchObject({ code: 'INVALID_PARAMS', data: { path: ['params', 'lower'] } });
    expect(outside.status === 'error' && outside.error).toBe(
      'lower = -1 is outside the range of z, [0, 10]',
    );
    const unknown = await l.fails('autofocus', { parameter: 'stigmator' });
    expect(unknown.status === 'error' && unknown.error).toMatch(/"parameter" = "stigmator".*"z"/);
    expect((await l.ok('get_state')).parameter_history).toEqual({});
  });
});

describe('acquire_mosaic', () => {
  it('tiles by moving the stage, stitches exactly what one large scan sees, and returns the stage', async () => {
    const l = lab();
    // In focus and without noise, so that the same specimen points give the same values.
    await l.ok('set_parameters', { parameters: [3] });
    await l.ok('set_attribute', { name: 'poisson_noise_scale', value: 0 });
    await l.ok('Stage_move_to', { x: -100, y: 60 });
    const r = await l.send(
      'acquire_mosaic',
      { tiles_x: 3, tiles_y: 2, tile_size: 64, overlap: 0.25 },
      'm',
    );
    expect(r.status).toBe('ok');
    const m = (r as { result: any }).result;
    expect(m).toMatchObject({
      shape: [112, 160],
      psize: 1,
      pitch: 48,
      overlap: 0.25,
      stage: { x: -100, y: 60 },
    });
    expect(m.tiles.map((t: { row: number; col: number }) => [t.row, t.col])).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [1, 2],
      [1, 1],
      [1, 0],
    ]);
    expect(m.tiles[0].stage).toEqual({ x: -148, y: 36 });
    for (const t of m.tiles) expect(decodeNpy(readFileSync(t.array_path)).shape).toEqual([64, 64]);
    expect(existsSync(m.img_path) && existsSync(m.metadata_path)).toBe(true);
    expect(await l.ok('Stage_get_position')).toMatchObject({ x: -100, y: 60 });

    // The same field in one scan: the optical axis (512, 512) plus the stage.
    const one = await l.ok('acquire_image', {
      x_center: 512,
      y_center: 512,
      size_x: 160,
      size_y: 112,
    });
    const stitched = decodeNpy(readFileSync(m.array_path)).data as Float32Array;
    const single = decodeNpy(readFileSync(one.array_path)).data as Float32Array;
    expect(bytes(stitched).equals(bytes(single))).toBe(true);

    const progress = l.progress.filter((p) => p.id === 'm' && Number.isInteger(p.progress));
    expect(progress.map((p) => p.progress)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(progress[5]).toMatchObject({ total: 6, message: 'tile 6 of 6 (row 1, col 0) done' });
    // Each tile went through the buffers as an acquisition; the last is the current image.
    const state = await l.ok('get_state');
    expect(state.counter_acquire_image).toBe(7);
  });

  it('stops within one tile on cancel: the stage back where it started, no stitched file, only complete tiles kept', async () => {
    const l = lab();
    await l.ok('Stage_move_to', { x: 40, y: -30 });
    // 64² samples at 25 µs: about 100 ms a tile.
    const tileMs = (64 * 64 * 25) / 1000;
    const run = l.send(
      'acquire_mosaic',
      { tiles_x: 3, tiles_y: 3, tile_size: 64, dwell_us: 25 },
      'mosaic',
    );
    const done = () =>
      l.progress.filter((p) => p.id === 'mosaic' && Number.isInteger(p.progress)).length;
    await until(() => done() >= 2);
    // Let the third tile get under way, so the cancel lands in the middle of a scan.
    await new Promise((r) => setTimeout(r, tileMs / 3));
    const doneAtCancel = done();
    const cancelledAt = performance.now();
    expect(await l.send('cancel', { id: 'mosaic' })).toMatchObject({
      result: { state: 'running', cancelled: true },
    });
    const reply = await run;
    expect(performance.now() - cancelledAt).toBeLessThan(tileMs);
    expect(reply).toMatchObject({ status: 'error', code: 'CANCELLED' });
    if (reply.status !== 'error') return;
    const data = reply.data as { tiles_completed: number; tiles: Array<{ array_path: string }> };
    expect(data.tiles_completed).toBeGreaterThanOrEqual(doneAtCancel);
    expect(data.tiles_completed).toBeLessThanOrEqual(doneAtCancel + 1);
    expect(data.tiles_completed).toBeLessThan(9);
    expect(reply.data).toMatchObject({ tiles_total: 9, stage: { x: 40, y: -30 } });
    expect(reply.error).toMatch(
      /acquire_mosaic stopped after \d of 9 tiles: the tile in progress was discarded, the stage is back at \(40, -30\) nm and no stitched image was written/,
    );

    expect(await l.ok('Stage_get_position')).toMatchObject({ x: 40, y: -30 });
    // On disk: the completed tiles' .npy files, nothing else (no stitched image, no temporaries).
    const folder = dirname(data.tiles[0].array_path);
    expect(readdirSync(folder).sort()).toEqual(
      data.tiles.map((t) => t.array_path.slice(folder.length + 1)).sort(),
    );
    // The buffers hold complete tiles only, one acquisition each.
    const state = await l.ok('get_state');
    expect(state.counter_acquire_image).toBe(data.tiles_completed);
    expect(state.buffers.image_k).toEqual({ shape: [64, 64], psize: 1 });
    // And the microscope takes the next request.
    await l.ok('acquire_image', { x_center: 100, y_center: 100, size_x: 16, size_y: 16 });
  });

  it('refuses a mosaic that would take the stage beyond its limits, before anything moves', async () => {
    const l = lab();
    await l.ok('Stage_move_to', { x: 300, y: 0 });
    // Pitch 115 (128 less 10 % overlap, rounded): the 8 tiles reach 300 ± 3.5 × 115.
    const reply = await l.fails('acquire_mosaic', { tiles_x: 8, tiles_y: 1, tile_size: 128 });
    expect(reply).toMatchObject({
      code: 'INVALID_PARAMS',
      data: { path: ['params', 'tiles_x'], allowed: [-500, 500] },
    });
    expect(reply.status === 'error' && reply.error).toMatch(
      /^the mosaic would move the stage x from -102.5 to 702.5 nm, beyond the stage limits \[-500, 500\] nm \(it starts at 300 nm\); nothing moved/,
    );
    expect(await l.ok('Stage_get_position')).toMatchObject({ x: 300, y: 0 });
    expect((await l.ok('get_state')).counter_acquire_image).toBe(0);
  });
});

describe('on a worker process', () => {
  it('a mosaic abandoned by its client is cancelled in the worker: progress per tile over the events socket, the stage back', async () => {
    const worker = await startWorkerProcess({
      extra: ['imaging:', '  microscope: simulated', ''].join('\n'),
    });
    const client = new WorkerClient({ endpoint: worker.workerEndpoint, events: true });
    try {
      // A heartbeat proves the events subscription is live (PUB/SUB drops what a late joiner
      // missed), so every tile's progress will be seen.
      await client.describe();
      await new Promise<void>((resolve) => {
        const off = client.onHeartbeat(() => {
          off();
          resolve();
        });
      });
      const tiles: number[] = [];
      const abort = new AbortController();
      const reply = await client.request(
        'acquire_mosaic',
        { tiles_x: 3, tiles_y: 3, tile_size: 64, dwell_us: 25 },
        {
          signal: abort.signal,
          onProgress: (e) => {
            if (!Number.isInteger(e.progress)) return;
            tiles.push(e.progress);
            if (e.progress === 2) abort.abort();
          },
        },
      );
      expect(reply).toMatchObject({ status: 'error', code: 'CANCELLED' });
      // A microscope call waits on the microscope resource until the mosaic has stopped.
      await client.call('set_attribute', { name: 'thumbnails', value: false });
      const state = await client.call('get_state', {});
      expect(state.settings.stage).toEqual({ x: 0, y: 0 });
      expect(state.counter_acquire_image).toBeLessThan(9);
      // Abandoned on tile 2's progress; a third may have been reported before the cancel landed.
      expect(tiles.slice(0, 2)).toEqual([1, 2]);
      expect(tiles).toEqual(tiles.map((_, i) => i + 1));
    } finally {
      client.close();
      await stopAllProcesses();
    }
  }, 30_000);
});
