import { afterAll, describe, expect, it } from 'vitest';
import { Sample } from '../../../worker/microscope/sim/sample.js';
import type { ScanJob } from '../../../worker/microscope/sim/scan-job.js';
import { ScanPool, shareSample } from '../../../worker/microscope/sim/scan-pool.js';

const sample = shareSample(Sample.generate({ seed: 5, size: 512 }));
const pools: ScanPool[] = [];
const pool = (threads: number) => {
  const p = new ScanPool(sample, threads);
  pools.push(p);
  return p;
};
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

/** Byte-for-byte equality; toEqual walks a million elements one by one. */
const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const same = (a: Float32Array, b: Float32Array) => bytes(a).equals(bytes(b));

const job = (over: Partial<ScanJob> = {}): ScanJob => ({
  grid: { y0: 10.5, x0: 20.25, step: 0.75, rows: 300, cols: 280 },
  offset: [1.5, -2],
  jitter: 0,
  blur: 3,
  noiseScale: 100,
  seed: 9,
  scanIndex: 4,
  ...over,
});

describe('ScanPool', () => {
  it('gives the same image whatever the number of threads, for every blur method and with jitter', async () => {
    const byThreads = [0, 1, 2, 3].map(pool);
    for (const over of [
      { blur: 0 },
      { blur: 1.2 }, // exact kernel
      { blur: 3 }, // exact or recursive by image size
      { grid: { y0: 0, x0: 0, step: 0.5, rows: 1000, cols: 1000 }, blur: 4 }, // recursive
      { jitter: 0.4, blur: 2 },
      { noiseScale: 0 },
    ]) {
      const images = [];
      for (const p of byThreads) images.push((await p.scan(job(over))).data);
      for (const image of images.slice(1)) expect(same(image, images[0])).toBe(true);
    }
  });

  it('draws new noise for each scan index and replays it for the same one', async () => {
    const p = pool(2);
    const first = (await p.scan(job())).data;
    const again = (await p.scan(job())).data;
    const next = (await p.scan(job({ scanIndex: 5 }))).data;
    expect(same(again, first)).toBe(true);
    expect(same(next, first)).toBe(false);
  });

  it('reports min, max and mean of the finished image', async () => {
    const { data, stats } = await pool(2).scan(job());
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    for (const v of data) {
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
    }
    expect(stats.min).toBe(min);
    expect(stats.max).toBe(max);
    expect(stats.mean).toBeCloseTo(sum / data.length, 6);
  });

  it('returns images that later scans do not overwrite', async () => {
    const p = pool(2);
    const first = await p.scan(job());
    const copy = first.data.slice();
    await p.scan(job({ scanIndex: 6, offset: [30, 30] }));
    expect(same(first.data, copy)).toBe(true);
    expect(first.data.buffer).not.toBeInstanceOf(SharedArrayBuffer);
  });

  it('stops between phases when the checkpoint throws, and the next scan still works', async () => {
    const p = pool(2);
    let calls = 0;
    const cancelled = p.scan(job(), () => {
      calls++;
      throw new Error('cancelled');
    });
    await expect(cancelled).rejects.toThrow('cancelled');
    expect(calls).toBe(1);
    const { data } = await p.scan(job());
    expect(data.length).toBe(300 * 280);
  });

  it('refuses scans after close', async () => {
    const p = pool(2);
    await p.scan(job());
    await p.close();
    await expect(p.scan(job())).rejects.toThrow(/closed/);
  });
});
