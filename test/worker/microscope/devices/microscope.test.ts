import { existsSync, readFileSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeNpy } from '../../../../worker/artifacts/npy.js';
import { decodeSpectrum, meanOver, microscopeLab } from './lab.js';

// Two scan threads: 256² frames are large enough to go through dist/worker/microscope/sim/scan-thread.js.
const lab = microscopeLab({ attributeTools: true, config: { scan_threads: 2 } });
afterAll(() => lab.close());

describe('Microscope', () => {
  it('serves its commands and attributes as Class_command tools on the microscope resource', () => {
    const tools = lab.runtime.describe().methods.filter((m) => m.name.startsWith('Microscope_'));
    expect(tools.map((t) => t.name).sort()).toEqual([
      'Microscope_configure',
      'Microscope_get_field_of_view',
      'Microscope_get_image',
      'Microscope_get_magnification',
      'Microscope_get_probe_current',
      'Microscope_get_settings',
      'Microscope_get_spectrum',
      'Microscope_get_voltage',
      'Microscope_set_magnification',
      'Microscope_set_probe_current',
      'Microscope_set_voltage',
    ]);
    for (const tool of tools) expect(tool.resource).toBe('microscope');
    const acquire = lab.runtime.describe().methods.find((m) => m.name === 'acquire_image')!;
    expect(acquire.resource).toBe('microscope');
  });

  it('get_image scans the field of view with the Scan frame size, writes PNG and .npy, and fills the EAA buffers', async () => {
    const result = await lab.ok('Microscope_get_image');
    expect(existsSync(result.img_path)).toBe(true);
    expect(await sharp(result.img_path).metadata()).toMatchObject({ width: 256, height: 256 });
    const npy = decodeNpy(readFileSync(result.array_path));
    expect(npy.shape).toEqual([256, 256]);
    expect(result.metadata).toMatchObject({
      detector: 'haadf',
      shape: [256, 256],
      dtype: 'float32',
      field_of_view_nm: 200,
      pixel_size_nm: 200 / 256,
      dwell_time_us: 1,
      magnification: 500_000,
      voltage_kv: 200,
      probe_current_pa: 50,
      stage_nm: { x: 0, y: 0 },
      parameters: { z: 10 },
    });
    const state = await lab.ok('get_state');
    expect(state.counter_acquire_image).toBe(1);
    expect(state.buffers.image_k).toEqual({ shape: [256, 256], psize: 200 / 256 });
    const payload = await lab.ok('get_image_array_payload', { buffer_name: 'current' });
    expect(
      Buffer.from(payload.encoded_data.data, 'base64').equals(Buffer.from(npy.data.buffer)),
    ).toBe(true);
  });

  it('get_image(exposure_ms) spreads the exposure over the frame, and the dose sets the counts', async () => {
    const result = await lab.ok('Microscope_get_image', { exposure_ms: 6.5536 });
    expect(result.metadata.dwell_time_us).toBeCloseTo(0.1, 12);
    expect(result.metadata.frame_time_ms).toBeCloseTo(6.5536, 9);
    // 50 pA × 0.1 µs = 31.2 electrons, 30 % collected.
    expect(result.metadata.counts_at_max).toBeCloseTo(50 * 0.1 * 6.2415 * 0.3, 6);
  });

  it("get_spectrum returns Asyncroscopy's {encoding: base64, metadata, payload}: EELS has its zero-loss peak at 0 eV, EDS the grid's copper", async () => {
    await lab.ok('EELS_configure', { exposure_time: 1 });
    await lab.ok('EDS_configure', { exposure_time: 200 });
    await lab.ok('Microscope_configure', { probe_current: 500 });
    const eels = await lab.ok('Microscope_get_spectrum', { detector: 'eels' });
    expect(eels).toMatchObject({
      encoding: 'base64',
      metadata: {
        detector: 'eels',
        dtype: 'float32',
        shape: [2048],
        units: 'counts',
        energy_offset_ev: -20,
        dispersion_ev: 0.5,
        exposure_ms: 1,
        beam: { x: 0.5, y: 0.5 },
      },
    });
    const counts = decodeSpectrum(eels);
    expect(counts).toHaveLength(2048);
    const peak = counts.indexOf(Math.max(...counts));
    expect(-20 + (peak + 0.5) * 0.5).toBeCloseTo(0, 0);
    expect(eels.metadata.reference_edges).toContainEqual({
      element: 'C',
      edge: 'K',
      onset_ev: 284,
    });

    const eds = await lab.ok('Microscope_get_spectrum', { detector: 'eds', x: 0.25, y: 0.75 });
    const x = decodeSpectrum(eds);
    expect(eds.metadata).toMatchObject({
      detector: 'eds',
      channel_width_ev: 10,
      beam: { x: 0.25 },
    });
    // Cu Kα at 8.048 keV stands out of the continuum around it.
    expect(meanOver(x, 800, 810)).toBeGreaterThan(3 * meanOver(x, 760, 790) + 1);
    expect(eds.metadata.reference_lines).toContainEqual({ element: 'Au', line: 'Lα', kev: 9.713 });
    await lab.ok('Microscope_configure', { probe_current: 50 });
  });

  it('refuses an unknown detector, listing the ones there are', async () => {
    const reply = await lab.fails('Microscope_get_spectrum', { detector: 'camera' });
    expect(reply).toMatchObject({ code: 'INVALID_PARAMS', data: { path: ['params', 'detector'] } });
    expect(reply.status === 'error' && reply.error).toMatch(/"eels"\|"eds"/);
  });

  it('replays spectra for a seed, each acquisition with its own noise', async () => {
    const other = microscopeLab();
    try {
      await other.ok('EELS_configure', { exposure_time: 1 });
      const a1 = decodeSpectrum(await other.ok('EELS_acquire'));
      const a2 = decodeSpectrum(await other.ok('EELS_acquire'));
      const again = microscopeLab();
      await again.ok('EELS_configure', { exposure_time: 1 });
      const b1 = decodeSpectrum(await again.ok('EELS_acquire'));
      await again.close();
      expect(Buffer.from(b1.buffer).equals(Buffer.from(a1.buffer))).toBe(true);
      expect(Buffer.from(a2.buffer).equals(Buffer.from(a1.buffer))).toBe(false);
    } finally {
      await other.close();
    }
  });

  it('configure, get_settings and the attributes: voltage, magnification, probe current, field of view', async () => {
    expect(
      await lab.ok('Microscope_configure', { magnification: 1_000_000, voltage: 300 }),
    ).toMatchObject({
      voltage: 300,
      magnification: 1_000_000,
      probe_current: 50,
      field_of_view_nm: 100,
      pixel_size_nm: 100 / 256,
      stage_nm: { x: 0, y: 0 },
      parameters: { z: 10 },
    });
    expect(await lab.ok('Microscope_get_field_of_view')).toEqual({ value: 100, units: 'nm' });
    expect(await lab.ok('Microscope_set_voltage', { value: 120 })).toEqual({
      value: 120,
      units: 'kV',
    });
    expect(await lab.ok('Microscope_get_settings')).toMatchObject({ voltage: 120 });
    const refused = await lab.fails('Microscope_set_probe_current', { value: 5000 });
    expect(refused.status === 'error' && refused.error).toMatch(/"value" = 5000: too big/);
    expect(await lab.ok('Microscope_get_probe_current')).toEqual({ value: 50, units: 'pA' });
    await lab.ok('Microscope_configure', { magnification: 500_000, voltage: 200 });
  });
});

describe('ThermoMicroscope', () => {
  it('extends Microscope with get_image and the same attributes', async () => {
    const names = lab.runtime.describe().methods.map((m) => m.name);
    for (const tool of [
      'get_image',
      'get_spectrum',
      'configure',
      'get_voltage',
      'acquire_multimodal',
    ]) {
      expect(names).toContain(`ThermoMicroscope_${tool}`);
    }
    expect((await lab.ok('ThermoMicroscope_get_settings')).voltage).toBe(200);
  });

  it('acquire_multimodal takes a HAADF image and an EELS spectrum of the same field, the spectrometer exposed for the frame time', async () => {
    await lab.ok('Scan_configure', { frame_size: 128 });
    const r = await lab.ok('ThermoMicroscope_acquire_multimodal', { exposure_ms: 20 });
    expect(existsSync(r.image.img_path)).toBe(true);
    expect(r.image.metadata).toMatchObject({ shape: [128, 128], simultaneous: 'eels' });
    expect(r.settings).toMatchObject({
      frame_size: 128,
      frame_time_ms: 20,
      eels_exposure_ms: 20,
      field_of_view_nm: 200,
      energy_offset_ev: -20,
      dispersion_ev: 0.5,
      channels: 2048,
    });
    expect(r.spectrum.metadata).toMatchObject({ detector: 'eels', exposure_ms: 20 });
    const counts = decodeSpectrum(r.spectrum);
    // The carbon film's K edge at 284 eV: more counts just above it than just below.
    const channel = (ev: number) => Math.round((ev + 20) / 0.5);
    expect(meanOver(counts, channel(290), channel(300))).toBeGreaterThan(
      1.3 * meanOver(counts, channel(270), channel(280)),
    );
    await lab.ok('Scan_configure', { frame_size: 256 });
  });
});
