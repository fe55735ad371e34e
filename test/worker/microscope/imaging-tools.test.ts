import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerClient } from '../../../frontend/worker-client/index.js';
import { WorkerError } from '../../../protocol/index.js';
import { decodeNpy } from '../../../worker/artifacts/npy.js';
import { startWorkerProcess } from '../../helpers/lab.js';
import { stopAllProcesses } from '../../helpers/labrelay-process.js';

/*
 * The imaging methods on a real worker process, as a bench script drives them: the files they
 * write (PNG through sharp, .npy, JSON sidecar), retention, settings and attributes.
 */
let worker: Awaited<ReturnType<typeof startWorkerProcess>>;
let client: WorkerClient;

beforeAll(async () => {
  worker = await startWorkerProcess({
    extra: ['imaging:', '  microscope: simulated', '  keep_last: 2', ''].join('\n'),
  });
  client = new WorkerClient({ endpoint: worker.workerEndpoint, events: false });
}, 30_000);
afterAll(async () => {
  client?.close();
  await stopAllProcesses();
});

const image = (x: number) =>
  client.call('acquire_image', { x_center: x, y_center: 100, size_x: 48, size_y: 32 });

describe('acquire_image artifacts', () => {
  it('writes an 8-bit grey PNG, the .npy of the pixels and a JSON sidecar, atomically', async () => {
    await client.call('set_parameters', { parameters: [4] });
    const shot = await image(100);
    const png = await sharp(readFileSync(shot.img_path)).metadata();
    expect(png).toMatchObject({
      format: 'png',
      width: 48,
      height: 32,
      channels: 1,
      depth: 'uchar',
    });
    const npy = decodeNpy(readFileSync(shot.array_path));
    expect(npy.dtype).toBe('<f4');
    expect(npy.shape).toEqual([32, 48]);
    const sidecar = JSON.parse(
      readFileSync(String(shot.image_info.metadata_path), 'utf8'),
    ) as Record<string, unknown>;
    expect(sidecar).toMatchObject({
      kind: 'image',
      stage: { x_center: 100, y_center: 100 },
      psize: 1,
      shape: [32, 48],
      parameters: { z: 4 },
    });
    expect(Date.parse(String(sidecar.time))).not.toBeNaN();
    // The auto-contrast spans the pixels' range: the darkest pixel is 0, the brightest 255.
    const { data } = await sharp(readFileSync(shot.img_path))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(Math.min(...data)).toBe(0);
    expect(Math.max(...data)).toBe(255);
    expect(readdirSync(dirname(shot.img_path)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('keeps only the newest keep_last acquisitions on disk', async () => {
    const shots = [];
    for (const x of [120, 140, 160]) shots.push(await image(x));
    expect(existsSync(shots[0].img_path)).toBe(false);
    expect(existsSync(shots[0].array_path)).toBe(false);
    for (const shot of shots.slice(1)) {
      expect(existsSync(shot.img_path)).toBe(true);
      expect(existsSync(shot.array_path)).toBe(true);
    }
    // The buffers still hold all three in memory, whatever is on disk.
    const state = await client.call('get_state', {});
    expect(state.counter_acquire_image).toBeGreaterThanOrEqual(4);
  });

  it('writes a 16-bit PNG when png_bit_depth is 16, and returns a thumbnail when asked', async () => {
    await client.call('set_attribute', { name: 'png_bit_depth', value: 16 });
    await client.call('set_attribute', { name: 'thumbnails', value: true });
    try {
      const shot = await image(200);
      expect(await sharp(readFileSync(shot.img_path)).metadata()).toMatchObject({
        depth: 'ushort',
        channels: 1,
      });
      const [thumb] = shot.mcp_images!;
      expect(thumb.mime_type).toBe('image/png');
      expect(await sharp(Buffer.from(thumb.data, 'base64')).metadata()).toMatchObject({
        format: 'png',
        width: 48,
        height: 32,
      });
    } finally {
      await client.call('set_attribute', { name: 'png_bit_depth', value: 8 });
      await client.call('set_attribute', { name: 'thumbnails', value: false });
    }
  });
});

describe('line scans and settings', () => {
  const line = { x_center: 160, y_center: 170, length: 40, scan_step: 1 };

  it('returns the fit with line_scan_return_gaussian_fit, and only the paths without it', async () => {
    await client.call('set_parameters', { parameters: [3] });
    const fitted = await client.call('acquire_line_scan', line);
    expect(fitted.fwhm).toBeCloseTo(2.3548 * Math.abs(fitted.sigma!), 10);
    expect(existsSync(fitted.img_path)).toBe(true);
    expect(decodeNpy(readFileSync(fitted.raw_data_path)).shape).toEqual([40]);
    await client.call('set_config', { name: 'line_scan_return_gaussian_fit', value: false });
    try {
      const plain = await client.call('acquire_line_scan', line);
      expect(Object.keys(plain).sort()).toEqual(['img_path', 'n_points', 'raw_data_path']);
    } finally {
      await client.call('set_config', { name: 'line_scan_return_gaussian_fit', value: true });
    }
  });

  it('sends one payload form, changed at run time: the pixels travel once', async () => {
    const current = await client.call('get_image_array_payload', { buffer_name: 'current' });
    expect(Object.keys(current)).toEqual(['encoded_data']);
    await client.call('set_attribute', { name: 'payload_format', value: 'numpy_base64' });
    try {
      const legacy = await client.call('get_image_array_payload', { buffer_name: 'current' });
      expect(Object.keys(legacy)).toEqual(['encoding', 'dtype', 'shape', 'data']);
      expect((legacy as any).data).toBe((current as any).encoded_data.data);
    } finally {
      await client.call('set_attribute', { name: 'payload_format', value: 'encoded_data' });
    }
  });

  it('names the allowed values when a setting is refused', async () => {
    const refused = client.call('set_attribute', { name: 'payload_format', value: 'npz' });
    await expect(refused).rejects.toThrow(WorkerError);
    await expect(refused).rejects.toThrow(
      /setting "payload_format" = "npz" is not allowed: .*encoded_data \(EAA era E, today\) or numpy_base64 \(eras B–D\)/,
    );
  });
});

describe('attributes', () => {
  it('answers every attribute EAA reads, with null for what is not there yet', async () => {
    const fresh = await startWorkerProcess({
      extra: ['imaging:', '  microscope: simulated', ''].join('\n'),
    });
    const own = new WorkerClient({ endpoint: fresh.workerEndpoint, events: false });
    try {
      const get = (name: string) =>
        own.call('get_attribute_payload', { name } as never) as Promise<unknown>;
      expect(await get('image_k')).toBeNull();
      expect(await get('psize_0')).toBeNull();
      expect(await get('image_acquisition_call_history')).toEqual([]);
      await own.call('set_parameters', { parameters: [5] });
      await own.call('acquire_image', {
        x_center: 50,
        y_center: 50,
        size_x: 20,
        size_y: 10,
        scan_step: 0.5,
      });
      expect(await get('psize_k')).toBe(0.5);
      expect(await get('psize_km1')).toBeNull();
      expect(await get('parameter_history')).toEqual({ z: [5] });
      expect(await get('blur')).toBeCloseTo(1, 10); // |5 − 3| / 10 × blur_factor 5
      expect(await get('offset')).toEqual([0, 0]); // the first parameters set are the reference
      expect(await get('image_0')).toMatchObject({
        encoded_data: { type: 'array', dtype: 'float32', shape: [20, 40] },
      });
    } finally {
      own.close();
      fresh.process.child.kill('SIGTERM');
    }
  }, 30_000);
});

it('keeps its artifacts inside the data directory', async () => {
  const shot = await image(300);
  expect(shot.img_path.startsWith(join(worker.dataDir, ''))).toBe(true);
});
