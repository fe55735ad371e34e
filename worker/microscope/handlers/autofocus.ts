import { WorkerError } from '../../../protocol/index.js';
import { bestOfSweep, normalizedVariance } from '../focus-metric.js';
import { fitGaussian1d, type GaussianFit } from '../gaussian-fit.js';
import { sampleCount } from '../microscope.js';
import type { OperationContext } from '../../engine/method-module.js';
import type { ImagingDeps, ImagingHandlers } from './deps.js';
import { stepOperation } from './sub-operation.js';

/** Defaults of the scored acquisition, by metric. */
const DEFAULT_IMAGE_SIDE = 128;
const DEFAULT_LINE_LENGTH = 40;
/**
 * Half a specimen pixel: the drift that comes with every parameter change moves the scan grid
 * against the specimen's raster, and at one sample per unit the score would follow where the
 * samples fall (interpolated between raster points or on them) as much as the focus.
 */
const DEFAULT_IMAGE_STEP = 0.5;
const MIN_FIT_POINTS = 5;

type Score = { score: number } | { score: null; note: string };

/** autofocus: a sweep of one optics parameter scored by image contrast or line-scan FWHM. */
export function autofocusHandlers(deps: ImagingDeps): ImagingHandlers<'autofocus'> {
  const { microscope } = deps;

  /** Sets the optics and records the values, as set_parameters does. */
  const apply = (values: number[], op: OperationContext) => deps.column.setParameters(values, op);

  return {
    autofocus: async (p, op) => {
      const index = microscope.parameters.findIndex((q) => q.name === p.parameter);
      const spec = microscope.parameters[index];
      const lower = p.lower ?? spec.lower;
      const upper = p.upper ?? spec.upper;
      for (const [field, value] of [
        ['lower', lower],
        ['upper', upper],
      ] as const) {
        if (!(value >= spec.lower && value <= spec.upper)) {
          throw new WorkerError(
            'INVALID_PARAMS',
            `${field} = ${value} is outside the range of ${spec.name}, [${spec.lower}, ${spec.upper}]`,
            { path: ['params', field] },
          );
        }
      }
      if (!(upper > lower)) {
        throw new WorkerError(
          'INVALID_PARAMS',
          `the sweep needs lower < upper; got lower ${lower}, upper ${upper}`,
          { path: ['params', 'upper'] },
        );
      }
      const line = p.metric === 'line_fwhm';
      const size = p.size ?? (line ? DEFAULT_LINE_LENGTH : DEFAULT_IMAGE_SIDE);
      const step = p.scan_step ?? (line ? 1 : DEFAULT_IMAGE_STEP);
      // A line is scored where the microscope knows one feature to be; an image at the axis.
      const place = line ? microscope.focusLine : microscope.fieldCenter;
      if (!place && (p.x_center === undefined || p.y_center === undefined)) {
        throw new WorkerError(
          'INVALID_PARAMS',
          `metric line_fwhm needs x_center and y_center on this microscope (${microscope.kind}): ` +
            'a line across one sharp feature, which only the operator knows here',
          { path: ['params', p.x_center === undefined ? 'x_center' : 'y_center'] },
        );
      }
      const center = { x: p.x_center ?? place!.x, y: p.y_center ?? place!.y };
      const samples = sampleCount(size, step);
      if (samples > deps.maxSamples || samples < (line ? MIN_FIT_POINTS : 2)) {
        throw new WorkerError(
          'INVALID_PARAMS',
          `size ${size} / scan_step ${step} gives ${samples} samples per side; ` +
            `allowed ${line ? MIN_FIT_POINTS : 2} to ${deps.maxSamples}`,
          { path: ['params', 'size'] },
        );
      }

      const score = async (sub: OperationContext): Promise<Score> => {
        if (!line) {
          const image = await microscope.scanImage(
            {
              xCenter: center.x,
              yCenter: center.y,
              sizeX: size,
              sizeY: size,
              step,
              dwellUs: p.dwell_us,
            },
            sub,
          );
          return { score: normalizedVariance(image.data) };
        }
        const scan = await microscope.scanLine(
          {
            xCenter: center.x,
            yCenter: center.y,
            length: size,
            step,
            angleDeg: p.angle,
            dwellUs: p.dwell_us,
          },
          sub,
        );
        return lineScore(fitGaussian1d(scan.distances, scan.values, 0), scan.values, size, step);
      };

      const original = microscope.parameterValues();
      const values = Array.from(
        { length: p.steps },
        (_, k) => lower + ((upper - lower) * k) / (p.steps - 1),
      );
      const steps: Array<{ value: number; score: number | null; note?: string }> = [];
      try {
        for (let k = 0; k < values.length; k++) {
          op.checkpoint();
          const set = [...original];
          set[index] = values[k];
          await apply(set, op);
          const label = `${spec.name} = ${round(values[k])}`;
          const result = await score(stepOperation(op, k, values.length, label));
          steps.push({ value: values[k], ...result });
          op.progress(
            k + 1,
            values.length,
            `${label}: ${result.score === null ? `no score (${result.note})` : `${p.metric} ${round(result.score)}`}`,
          );
        }
        op.checkpoint();
        const best = bestOfSweep(
          values,
          steps.map((s) => s.score),
          { higher: !line, refine: p.refine },
        );
        if (!best) {
          throw new WorkerError(
            'DEVICE_ERROR',
            `no step of the ${spec.name} sweep could be scored (${steps[0]?.note ?? 'no steps'}); ` +
              'the line scan must cross one feature: check x_center, y_center and size',
          );
        }
        const final = [...original];
        final[index] = best.value;
        await apply(final, op);
        return {
          parameter: spec.name,
          metric: p.metric,
          best_value: best.value,
          best_score: best.score,
          refined: best.refined,
          steps,
          parameters: Object.fromEntries(microscope.parameters.map((q, i) => [q.name, final[i]])),
          message:
            `${spec.name} set to ${round(best.value)} (${p.metric} ${round(best.score)} at ` +
            `${round(values[best.index])}${best.refined ? ', refined between steps' : ''})`,
        };
      } catch (err) {
        // A half-run sweep leaves the optics at some arbitrary step: put them back.
        await apply(original, op);
        throw err;
      }
    },
  };
}

/** Residual above which a fit describes something other than one line (EAA's checker uses 0.015). */
const MAX_RESIDUAL = 0.05;
/** Share of the line at each end where a fitted centre means the line was not crossed. */
const EDGE_SHARE = 0.1;
/** How far a fitted peak may rise above the highest sample (noise and sampling phase allowed). */
const SPIKE = 1.5;

/**
 * The FWHM of a fit that found one line well inside the scan, else why not. Far from focus the
 * stage drift can slide the scan along another feature, and a noisy or flat profile can still
 * be "fitted" by a spike at its edge; such steps are left unscored rather than ranked.
 */
function lineScore(fit: GaussianFit, values: Float32Array, length: number, step: number): Score {
  if (!fit.ok) return { score: null, note: fit.reason };
  let max = -Infinity;
  for (const v of values) max = Math.max(max, v);
  // A fitted peak far above every sample, or narrower than the sampling, is a noise spike.
  if (fit.a + fit.c > SPIKE * max || fit.fwhm < step) {
    return {
      score: null,
      note: `no line resolved (FWHM ${round(fit.fwhm)}, peak ${round(fit.a + fit.c)})`,
    };
  }
  if (fit.normalized_residual > MAX_RESIDUAL) {
    return {
      score: null,
      note: `poor fit (normalized residual ${round(fit.normalized_residual)} > ${MAX_RESIDUAL})`,
    };
  }
  const margin = EDGE_SHARE * (fit.x_max - fit.x_min);
  if (fit.mu < fit.x_min + margin || fit.mu > fit.x_max - margin || fit.fwhm > length / 2) {
    return {
      score: null,
      note: `no line crossed (centre ${round(fit.mu)}, FWHM ${round(fit.fwhm)})`,
    };
  }
  return { score: fit.fwhm };
}

function round(v: number): number {
  return Number(v.toPrecision(6));
}
