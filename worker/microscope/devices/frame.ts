import { WorkerError } from '../../../protocol/index.js';
import type { ScannedImage } from '../microscope.js';
import type { DeviceContext } from '../../devices/device-class.js';
import { fieldOfViewNm, type MicroscopeRig } from './rig.js';

/** Electrons in 1 pA for 1 µs (1e-18 C over the elementary charge). */
export const ELECTRONS_PER_PA_US = 6.2415;
/** HAADF collection efficiency with the default 50–200 mrad annulus. */
const HAADF_EFFICIENCY = 0.3;
const REFERENCE_ANNULUS = 1 / 50 ** 2 - 1 / 200 ** 2;
/** Longest frame a device takes, ms; the commands' deadlines allow for it. */
export const MAX_FRAME_MS = 120_000;

/** A frame as scanned, with what a reader of its files needs to know. */
export interface Frame {
  image: ScannedImage;
  metadata: Record<string, unknown>;
  /** Frame time, ms. */
  frameMs: number;
  dwellUs: number;
  fovNm: number;
}

/**
 * The share of the beam the HAADF annulus collects: high-angle scattering falls off about as
 * θ⁻⁴ (Rutherford), so the collected share goes as 1/θ_in² − 1/θ_out².
 */
export function haadfEfficiency(rig: MicroscopeRig): number {
  const { innerMrad, outerMrad } = rig.haadf;
  return (HAADF_EFFICIENCY * (1 / innerMrad ** 2 - 1 / outerMrad ** 2)) / REFERENCE_ANNULUS;
}

/**
 * Scans one HAADF frame of the current field of view (magnification), frame size and dwell time
 * (the Scan device's, or `exposureMs` spread over the frame), centred on the optical axis, so
 * what the stage does shows. Shot noise follows the dose: probe current × dwell × the
 * detector's share. The frame becomes the current image buffer, as an acquire_image would.
 */
export async function scanFrame(
  ctx: DeviceContext<MicroscopeRig>,
  options: { exposureMs?: number },
): Promise<Frame> {
  const rig = ctx.device.state;
  const { sim, imaging } = rig;
  const frame = rig.scan.frameSize;
  if (frame > imaging.maxSamples) {
    throw new WorkerError(
      'INVALID_PARAMS',
      `the Scan frame_size ${frame} exceeds the ${imaging.maxSamples} samples per side this ` +
        'worker allows (imaging.max_samples); set a smaller frame_size on the scan device',
      { path: ['params'], frame_size: frame },
    );
  }
  const dwellUs =
    options.exposureMs !== undefined
      ? (options.exposureMs * 1000) / (frame * frame)
      : rig.scan.dwellUs;
  const frameMs = (dwellUs * frame * frame) / 1000;
  if (frameMs > MAX_FRAME_MS) {
    throw new WorkerError(
      'INVALID_PARAMS',
      `a ${frame} × ${frame} frame at ${dwellUs} µs per pixel takes ${frameMs} ms, more than ` +
        `${MAX_FRAME_MS} ms; shorten the exposure or the Scan dwell_time, or use a smaller frame_size`,
      { path: ['params'], frame_time_ms: frameMs },
    );
  }
  const fovNm = fieldOfViewNm(rig);
  const step = fovNm / frame;
  const countsAtMax =
    rig.column.probeCurrentPa * dwellUs * ELECTRONS_PER_PA_US * haadfEfficiency(rig);
  const center = sim.fieldCenter;
  const image = await sim.scanImage(
    {
      xCenter: center.x,
      yCenter: center.y,
      sizeX: fovNm,
      sizeY: fovNm,
      step,
      dwellUs,
      // 0 would mean "no noise" to the scan; a dose that low gives an almost empty frame instead.
      noiseScale: Math.max(countsAtMax, 1e-6),
    },
    ctx.op,
  );
  ctx.op.checkpoint();
  imaging.column.recordImage(image, step, {
    x_center: center.x,
    y_center: center.y,
    size_x: fovNm,
    size_y: fovNm,
  });
  const values = sim.parameterValues();
  return {
    image,
    frameMs,
    dwellUs,
    fovNm,
    metadata: {
      detector: 'haadf',
      timestamp: new Date().toISOString(),
      dwell_time_us: dwellUs,
      frame_time_ms: frameMs,
      field_of_view_nm: fovNm,
      pixel_size_nm: step,
      magnification: rig.column.magnification,
      voltage_kv: rig.column.voltageKv,
      probe_current_pa: rig.column.probeCurrentPa,
      collection_angles_mrad: [rig.haadf.innerMrad, rig.haadf.outerMrad],
      counts_at_max: countsAtMax,
      stage_nm: sim.stage.position(),
      parameters: Object.fromEntries(sim.parameters.map((p, i) => [p.name, values[i]])),
    },
  };
}
