import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { SampleFeature } from '../../../../worker/microscope/sim/sample.js';
import { decodeSpectrum, meanOver, microscopeLab } from './lab.js';

const lab = microscopeLab({ attributeTools: true });
afterAll(() => lab.close());
afterEach(async () => {
  await lab.ok('Stage_move_to', { x: 0, y: 0 });
  await lab.ok('Microscope_configure', { probe_current: 50 });
  await lab.ok('Scan_configure', { frame_size: 256, dwell_time: 1 });
});

/** Puts a specimen point (nm) on the optical axis, where a centred beam (0.5, 0.5) lands. */
const centreOn = (x: number, y: number) =>
  lab.ok('Stage_move_to', { x: x - lab.rig.sim.fieldCenter.x, y: y - lab.rig.sim.fieldCenter.y });

/** The most prominent particle of a kind within the stage's reach. */
const particle = (kind: 'blob' | 'disc', large: boolean) => {
  const c = lab.rig.sim.fieldCenter;
  return lab.rig.sim.sample.features
    .filter(
      (f): f is Extract<SampleFeature, { kind: 'blob' | 'disc' }> =>
        f.kind === kind &&
        (kind === 'disc' || f.size > 1.2 === large) &&
        Math.abs(f.x - c.x) < 450 &&
        Math.abs(f.y - c.y) < 450,
    )
    .sort((a, b) => b.amplitude - a.amplitude)[0];
};

const eelsChannel = (ev: number) => Math.round((ev + 20) / 0.5);
const edsChannel = (kev: number) => Math.floor(kev * 100);

describe('EELS and EDS', () => {
  it('show what lies under the beam: Fe L3 white line and Fe Kα on an iron-oxide particle, Au Lα on a grid line, C only on the film', async () => {
    await lab.ok('EDS_configure', { exposure_time: 100 });
    await lab.ok('Microscope_configure', { probe_current: 1000 });
    const fe = particle('blob', true);
    await centreOn(fe.x, fe.y);
    const feEels = decodeSpectrum(await lab.ok('EELS_acquire'));
    // The L3 white line at 709.5 eV towers over the pre-edge at 700 eV.
    expect(feEels[eelsChannel(709.5)]).toBeGreaterThan(
      1.4 * meanOver(feEels, eelsChannel(695), eelsChannel(703)),
    );
    const feEds = decodeSpectrum(await lab.ok('EDS_acquire'));

    await centreOn(144, 176); // the middle of a clear cell: carbon film only
    const filmEds = decodeSpectrum(await lab.ok('EDS_acquire'));
    const filmEels = decodeSpectrum(await lab.ok('EELS_acquire'));
    expect(filmEels[eelsChannel(709.5)]).toBeLessThan(
      1.1 * meanOver(filmEels, eelsChannel(695), eelsChannel(703)),
    );

    await centreOn(512, 176); // on the vertical grid line x = 512
    const goldEds = decodeSpectrum(await lab.ok('EDS_acquire'));

    const line = (s: Float32Array, kev: number) =>
      meanOver(s, edsChannel(kev) - 3, edsChannel(kev) + 4);
    expect(line(feEds, 6.404)).toBeGreaterThan(10 * line(filmEds, 6.404) + 5);
    expect(line(goldEds, 9.713)).toBeGreaterThan(10 * line(filmEds, 9.713) + 5);
    expect(line(filmEds, 0.277)).toBeGreaterThan(10 * line(filmEds, 1.5));
    // The grid's copper shows wherever the beam is; on the film it stands out clearly.
    expect(line(filmEds, 8.048)).toBeGreaterThan(2 * line(filmEds, 7.6));
    for (const s of [feEds, goldEds]) expect(line(s, 8.048)).toBeGreaterThan(line(s, 7.6));
  });

  it('configure the energy axes and exposure, reported by get_settings and the attributes', async () => {
    expect(
      await lab.ok('EELS_configure', { energy_offset: 250, dispersion: 0.25, channels: 1024 }),
    ).toMatchObject({
      energy_offset: 250,
      dispersion: 0.25,
      channels: 1024,
      energy_range: [250, 506],
    });
    const eels = await lab.ok('EELS_acquire', { x: 0.1, y: 0.9 });
    expect(eels.metadata).toMatchObject({
      shape: [1024],
      energy_offset_ev: 250,
      beam: { x: 0.1, y: 0.9 },
    });
    expect(eels.metadata.reference_edges.map((e: { element: string }) => e.element)).toEqual([
      'C',
      'Ag',
    ]);
    expect(await lab.ok('EELS_set_dispersion', { value: 0.5 })).toEqual({
      value: 0.5,
      units: 'eV',
    });
    await lab.ok('EELS_configure', { energy_offset: -20, channels: 2048 });

    expect(await lab.ok('EDS_get_settings')).toMatchObject({
      channel_width: 10,
      channels: 2048,
      energy_range_kev: [0, 20.48],
    });
    expect(await lab.ok('EDS_set_exposure_time', { value: 5 })).toEqual({ value: 5, units: 'ms' });
    expect(await lab.ok('EDS_get_exposure_time')).toEqual({ value: 5, units: 'ms' });
    const refused = await lab.fails('EDS_configure', { channel_width: 1 });
    expect(refused.status === 'error' && refused.error).toMatch(
      /"channel_width" = 1: too small.*eV, 2.5 … 40/,
    );
  });
});

describe('HAADF', () => {
  it('collects a share of the beam set by its annulus, which sets the counts of every frame', async () => {
    expect(await lab.ok('HAADF_get_settings')).toEqual({
      inner_angle: 50,
      outer_angle: 200,
      efficiency: 0.3,
    });
    const wide = await lab.ok('HAADF_configure', { inner_angle: 30 });
    expect(wide.efficiency).toBeGreaterThan(0.3);
    await lab.ok('Scan_configure', { frame_size: 64 });
    const frame = await lab.ok('HAADF_acquire');
    expect(frame.metadata).toMatchObject({
      detector: 'haadf',
      shape: [64, 64],
      collection_angles_mrad: [30, 200],
    });
    expect(frame.metadata.counts_at_max).toBeCloseTo(50 * 1 * 6.2415 * wide.efficiency, 6);
    const refused = await lab.fails('HAADF_configure', { inner_angle: 120, outer_angle: 100 });
    expect(refused.status === 'error' && refused.error).toBe(
      'the inner angle (120 mrad) must be below the outer angle (100 mrad); nothing changed',
    );
    expect(await lab.ok('HAADF_set_inner_angle', { value: 50 })).toEqual({
      value: 50,
      units: 'mrad',
    });
    expect(await lab.ok('HAADF_get_outer_angle')).toEqual({ value: 200, units: 'mrad' });
  });
});

describe('Scan', () => {
  it('sets the dwell time and frame size every frame acquisition reads', async () => {
    expect(await lab.ok('Scan_configure', { frame_size: 32, dwell_time: 0.5 })).toEqual({
      dwell_time: 0.5,
      frame_size: 32,
      frame_time_ms: 0.512,
      field_of_view_nm: 200,
      pixel_size_nm: 6.25,
    });
    const frame = await lab.ok('Microscope_get_image');
    expect(frame.metadata).toMatchObject({
      shape: [32, 32],
      dwell_time_us: 0.5,
      pixel_size_nm: 6.25,
    });
    expect(await lab.ok('Scan_get_frame_size')).toEqual({ value: 32, units: null });
    expect(await lab.ok('Scan_set_dwell_time', { value: 2 })).toEqual({ value: 2, units: 'µs' });
    const small = await lab.fails('Scan_configure', { frame_size: 8 });
    expect(small.status === 'error' && small.error).toMatch(/"frame_size" = 8: too small/);
    await lab.ok('Scan_configure', { frame_size: 4096, dwell_time: 1000 });
    const long = await lab.fails('Microscope_get_image');
    expect(long.status === 'error' && long.error).toMatch(/takes 16777216 ms, more than 120000 ms/);
  });
});

describe('Corrector', () => {
  it('measures C1 from the focus parameter and refocuses by correcting it', async () => {
    expect(await lab.ok('Corrector_get_info')).toMatchObject({
      aberrations: ['C1', 'A1', 'A2', 'B2', 'C3'],
      units: 'nm',
    });
    // z starts at 10, focus is at 3: C1 = 0.7 × 1000 nm.
    const first = await lab.ok('Corrector_measure_c1a1');
    expect(first.C1).toBeGreaterThan(640);
    expect(first.C1).toBeLessThan(760);
    expect(await lab.ok('Corrector_correct_aberration', { aberration: 'C1', x: first.C1 })).toEqual(
      {
        aberration: 'C1',
        applied: [first.C1, 0],
      },
    );
    const state = await lab.ok('get_state');
    expect(state.parameters.z).toBeCloseTo(3, 0);
    expect(Math.abs(state.parameters.z - 3)).toBeLessThan(0.3);
    expect(state.parameter_history.z.at(-1)).toBe(state.parameters.z);
    expect(Math.abs((await lab.ok('Corrector_measure_c1a1')).C1)).toBeLessThan(40);
    const far = await lab.fails('Corrector_correct_aberration', { aberration: 'C1', x: 5000 });
    expect(far.status === 'error' && far.error).toMatch(
      /would move z to .* outside \[0, 10\]; nothing changed/,
    );
  });

  it('measures A1, A2, B2, C3 in a tableau, and a wrong correction blurs the probe until undone', async () => {
    const tableau = await lab.ok('Corrector_acquire_tableau', { tableau: 'Enhanced' });
    const [ax, ay] = lab.rig.sim.aberrations.get('A1');
    expect(tableau.A1[0]).toBeCloseTo(ax, 0);
    expect(tableau.A1[1]).toBeCloseTo(ay, 0);
    expect(tableau.C3[1]).toBe(0);
    const blur = async () => (await lab.ok('get_state')).settings.aberration_blur as number;
    expect(await blur()).toBeLessThan(0.125); // below what the blur kernel resolves
    await lab.ok('Corrector_correct_aberration', { aberration: 'A1', x: -40, y: 0 });
    expect(await blur()).toBeGreaterThan(1.9);
    await lab.ok('Corrector_correct_aberration', { aberration: 'A1', x: 40, y: 0 });
    expect(await blur()).toBeLessThan(0.125);
    expect(await lab.ok('Corrector_get_status_message')).toEqual({
      value: 'corrected A1',
      units: null,
    });
  });
});
