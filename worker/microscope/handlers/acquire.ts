import { WorkerError } from '../../../protocol/index.js';
import { fitGaussian1d } from '../gaussian-fit.js';
import { renderLineScanPng } from '../line-scan-plot.js';
import { sampleCount } from '../microscope.js';
import { encodeNpy } from '../../artifacts/npy.js';
import { encodePng16, encodePng8, encodeThumbnail } from '../../artifacts/png.js';
import type { ImagingDeps, ImagingHandlers } from './deps.js';

/** Points a Gaussian fit needs (EAA fit_gaussian_1d refuses fewer than 5). */
const MIN_FIT_POINTS = 5;
const THUMBNAIL_SIDE = 256;

/** acquire_image and acquire_line_scan. */
export function acquireHandlers(
  deps: ImagingDeps,
): ImagingHandlers<'acquire_image' | 'acquire_line_scan'> {
  const { microscope, column, artifacts, settings } = deps;

  const checkSamples = (what: string, n: number, field: string) => {
    if (n > deps.maxSamples) {
      throw new WorkerError(
        'INVALID_PARAMS',
        `${what} gives ${n} samples; at most ${deps.maxSamples} per side are allowed ` +
          '(raise scan_step, reduce the size, or raise imaging.max_samples)',
        { path: ['params', field] },
      );
    }
  };
  // What every JSON sidecar holds: what was asked, when, where, and the instrument's state.
  const sidecar = (kind: string, requestId: string, p: { x_center: number; y_center: number }) => {
    const values = microscope.parameterValues();
    return {
      kind,
      request_id: requestId,
      time: new Date().toISOString(),
      stage: { x_center: p.x_center, y_center: p.y_center },
      parameters: Object.fromEntries(microscope.parameters.map((q, i) => [q.name, values[i]])),
      microscope: { kind: microscope.kind, ...microscope.describeState() },
    };
  };

  return {
    acquire_image: async (p, op) => {
      const rows = sampleCount(p.size_y, p.scan_step);
      const cols = sampleCount(p.size_x, p.scan_step);
      checkSamples(`size_y ${p.size_y} / scan_step ${p.scan_step}`, rows, 'size_y');
      checkSamples(`size_x ${p.size_x} / scan_step ${p.scan_step}`, cols, 'size_x');
      const image = await microscope.scanImage(
        {
          yCenter: p.y_center,
          xCenter: p.x_center,
          sizeY: p.size_y,
          sizeX: p.size_x,
          step: p.scan_step,
          dwellUs: p.dwell_us,
        },
        op,
      );
      op.checkpoint();
      const psize = p.scan_step;
      // The PNG is encoded on libuv's thread pool while the .npy is built and written here.
      const stats = image.stats ?? statistics(image.data);
      const range: [number, number] = [stats.min, stats.max];
      const png =
        settings.pngBitDepth === 16
          ? encodePng16(image.data, rows, cols, { range })
          : encodePng8(image.data, rows, cols, { range });
      // A thumbnail is a courtesy to the client: if it fails, the acquisition still stands.
      const thumbnail = settings.thumbnails
        ? encodeThumbnail(image.data, rows, cols, THUMBNAIL_SIDE).catch((err: unknown) => {
            deps.log.warn('thumbnail failed', { error: String(err) });
            return null;
          })
        : null;
      const npy = encodeNpy(image.data, [rows, cols]);
      const base = artifacts.nextBase('image');
      const metadata = {
        ...sidecar('image', op.id, p),
        size_x: p.size_x,
        size_y: p.size_y,
        psize,
        shape: [rows, cols],
        dwell_us: p.dwell_us,
        statistics: stats,
      };
      const [pngPath, npyPath, metadataPath] = await artifacts.writeGroup([
        [`${base}.png`, png],
        [`${base}.npy`, npy],
        [`${base}.json`, JSON.stringify(metadata, null, 2)],
      ]);
      // Buffers change only once the files exist: a failed write leaves the run as it was.
      column.recordImage(image, psize, {
        x_center: p.x_center,
        y_center: p.y_center,
        size_x: p.size_x,
        size_y: p.size_y,
      });
      const thumb = thumbnail ? await thumbnail : null;
      return {
        img_path: pngPath,
        array_path: npyPath,
        raw_data_path: npyPath,
        psize,
        image_info: {
          shape: [rows, cols],
          psize,
          x_center: p.x_center,
          y_center: p.y_center,
          size_x: p.size_x,
          size_y: p.size_y,
          ...stats,
          metadata_path: metadataPath,
        },
        ...(thumb
          ? { mcp_images: [{ mime_type: 'image/png', data: thumb.toString('base64') }] }
          : {}),
      };
    },

    acquire_line_scan: async (p, op) => {
      const n = sampleCount(p.length, p.scan_step);
      checkSamples(`length ${p.length} / scan_step ${p.scan_step}`, n, 'length');
      if (n < MIN_FIT_POINTS) {
        throw new WorkerError(
          'INVALID_PARAMS',
          `length ${p.length} / scan_step ${p.scan_step} gives ${n} points; the Gaussian fit needs at ` +
            `least ${MIN_FIT_POINTS} (lengthen the line or shorten the step)`,
          { path: ['params', 'length'] },
        );
      }
      const line = await microscope.scanLine(
        {
          yCenter: p.y_center,
          xCenter: p.x_center,
          length: p.length,
          step: p.scan_step,
          angleDeg: p.angle,
          dwellUs: p.dwell_us,
        },
        op,
      );
      op.checkpoint();
      const fit = fitGaussian1d(line.distances, line.values, 0);
      const base = artifacts.nextBase('line_scan');
      const title = `Line scan at (${p.x_center}, ${p.y_center}), length ${p.length}, angle ${p.angle}°`;
      const plot = await renderLineScanPng({
        distances: line.distances,
        values: line.values,
        fit,
        title,
      });
      const metadata = {
        ...sidecar('line_scan', op.id, p),
        length: p.length,
        step: p.scan_step,
        angle: p.angle,
        fit,
      };
      const [pngPath, npyPath] = await artifacts.writeGroup([
        [`${base}.png`, plot],
        [`${base}.npy`, encodeNpy(line.values, [line.values.length])],
        [`${base}.json`, JSON.stringify(metadata, null, 2)],
      ]);
      column.recordLineScan(line, {
        x_center: p.x_center,
        y_center: p.y_center,
        length: p.length,
        step: p.scan_step,
        angle: p.angle,
      });
      const thumbnail = settings.thumbnails
        ? { mcp_images: [{ mime_type: 'image/png', data: plot.toString('base64') }] }
        : {};
      // EAA's acquire_line_scan returns the fit only when asked to (a task manager asks).
      if (!settings.lineScanReturnGaussianFit) {
        return { n_points: n, img_path: pngPath, raw_data_path: npyPath, ...thumbnail };
      }
      if (!fit.ok) {
        // JSON has no NaN, and EAA's focusing loop would choke on a null fwhm: a fit that
        // cannot be made is an error that says why, with the plot to look at.
        throw new WorkerError(
          'DEVICE_ERROR',
          `the line scan at (${p.x_center}, ${p.y_center}) could not be fitted: ${fit.reason}. ` +
            `The profile is at ${pngPath}; move the line across a feature or check the focus`,
          { img_path: pngPath, raw_data_path: npyPath },
        );
      }
      return {
        fwhm: fit.fwhm,
        a: fit.a,
        mu: fit.mu,
        sigma: fit.sigma,
        c: fit.c,
        normalized_residual: fit.normalized_residual,
        x_min: fit.x_min,
        x_max: fit.x_max,
        n_points: n,
        img_path: pngPath,
        raw_data_path: npyPath,
        ...thumbnail,
      };
    },
  };
}

function statistics(data: Float32Array): { min: number; max: number; mean: number } {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return data.length ? { min, max, mean: sum / data.length } : { min: 0, max: 0, mean: 0 };
}
