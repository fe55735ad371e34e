import { IMAGING_SETTINGS, WorkerError } from '../../../protocol/index.js';
import type { ImagingDeps, ImagingHandlers, ImagingSettings } from './deps.js';

/** set_attribute name → the settings field it changes. */
const FIELDS: Record<keyof typeof IMAGING_SETTINGS, keyof ImagingSettings> = {
  line_scan_return_gaussian_fit: 'lineScanReturnGaussianFit',
  poisson_noise_scale: 'poissonNoiseScale',
  blur_factor: 'blurFactor',
  drift_factor: 'driftFactor',
  scan_jitter: 'scanJitter',
  png_bit_depth: 'pngBitDepth',
  thumbnails: 'thumbnails',
  payload_format: 'payloadFormat',
};

/** set_parameters, set_attribute, set_config. */
export function settingsHandlers(
  deps: ImagingDeps,
): ImagingHandlers<'set_parameters' | 'set_attribute' | 'set_config'> {
  const setSetting = ({ name, value }: { name: string; value: unknown }) => {
    const schema = IMAGING_SETTINGS[name as keyof typeof IMAGING_SETTINGS];
    if (!schema) {
      throw new WorkerError(
        'INVALID_PARAMS',
        `unknown setting "${name}"; allowed: ${Object.keys(IMAGING_SETTINGS).join(', ')}`,
        { path: ['params', 'name'] },
      );
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      throw new WorkerError(
        'INVALID_PARAMS',
        `setting "${name}" = ${JSON.stringify(value)} is not allowed: ${schema.description}`,
        { path: ['params', 'value'] },
      );
    }
    (deps.settings as unknown as Record<string, unknown>)[FIELDS[name as keyof typeof FIELDS]] =
      parsed.data;
    return { name, value: parsed.data };
  };

  return {
    set_parameters: async ({ parameters }, op) => {
      const specs = deps.microscope.parameters;
      if (parameters.length !== specs.length) {
        throw new WorkerError(
          'INVALID_PARAMS',
          `set_parameters takes ${specs.length} value${specs.length === 1 ? '' : 's'} ` +
            `(${specs.map((p) => p.name).join(', ')}); got ${parameters.length}: ${JSON.stringify(parameters)}`,
          { path: ['params', 'parameters'] },
        );
      }
      // Every value is checked before any moves: a half-applied set would leave the optics
      // somewhere nobody asked for.
      parameters.forEach((value, i) => {
        const p = specs[i];
        if (!(value >= p.lower && value <= p.upper)) {
          throw new WorkerError(
            'INVALID_PARAMS',
            `parameter ${p.name} = ${value} is outside its range [${p.lower}, ${p.upper}]; nothing was changed`,
            { path: ['params', 'parameters', i] },
          );
        }
      });
      await deps.column.setParameters(parameters, op);
      const named: Record<string, number> = {};
      specs.forEach((p, i) => (named[p.name] = parameters[i]));
      const text = specs.map((p, i) => `${p.name}=${parameters[i]}`).join(', ');
      return {
        status: 'ok' as const,
        message: `Optics parameters set: ${text}`,
        parameters: named,
      };
    },
    set_attribute: (params) => setSetting(params),
    set_config: (params) => setSetting(params),
  };
}
