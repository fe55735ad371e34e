import * as z from 'zod';
import { defineMethod } from '../define-method.js';
import { McpImagesSchema } from '../mcp-images.js';

/** What the imaging declarations depend on: the optics parameters and the scan limits. */
export interface ImagingCatalogOptions {
  /** Optics parameters in set_parameters order, with their allowed ranges. */
  parameters: ReadonlyArray<{ name: string; lower: number; upper: number }>;
  /** Default dwell time per pixel, µs (the microscope's configuration). */
  dwellUs: number;
  /** Most samples along one side of an image or line scan. */
  maxSamples: number;
}

/** Attribute names get_attribute_payload serves (EAA's native acquisition-tool attributes). */
export const IMAGING_ATTRIBUTES = [
  'image_k',
  'image_km1',
  'image_0',
  'psize_k',
  'psize_km1',
  'psize_0',
  'line_scan_k',
  'image_acquisition_call_history',
  'line_scan_call_history',
  'parameter_history',
  'counter_acquire_image',
  'blur',
  'offset',
  'line_scan_return_gaussian_fit',
] as const;

/** Buffer names get_image_array_payload and dump_array accept: EAA's aliases and native names. */
export const BUFFER_NAMES = [
  'current',
  'previous',
  'initial',
  'image_k',
  'image_km1',
  'image_0',
] as const;

/** Settings set_attribute / set_config may change, each with the values it allows. */
export const IMAGING_SETTINGS = {
  line_scan_return_gaussian_fit: z
    .boolean()
    .describe('true/false: return the Gaussian fit with line scans.'),
  poisson_noise_scale: z
    .number()
    .min(0)
    .max(1e9)
    .describe('Counts at the brightest pixel, ≥ 0 (0: no noise).'),
  blur_factor: z
    .number()
    .min(0)
    .max(1000)
    .describe('Blur per unit of normalised parameter error, ≥ 0.'),
  drift_factor: z
    .number()
    .min(0)
    .max(1e6)
    .describe('Drift per unit of normalised parameter change, ≥ 0.'),
  scan_jitter: z
    .number()
    .min(0)
    .max(100)
    .describe('Uniform position jitter per sample, stage units, ≥ 0.'),
  png_bit_depth: z
    .union([z.literal(8), z.literal(16)])
    .describe('8 (auto-contrast display) or 16.'),
  thumbnails: z.boolean().describe('Also return a small PNG as an MCP image block.'),
  payload_format: z
    .enum(['both', 'numpy_base64', 'encoded_data'])
    .describe('Array payload form: both, numpy_base64 (EAA eras B–D) or encoded_data (era E).'),
} as const;

/**
 * A 2D array as EAA decodes it: raw C-order little-endian bytes, base64. Strict, so that in
 * get_attribute_payload's union any other object (parameter_history) is not taken for a payload
 * and stripped to nothing.
 */
const ArrayPayload = z.strictObject({
  encoding: z.literal('numpy_base64').optional().describe('EAA era B/C/D form.'),
  dtype: z.string().optional(),
  shape: z.array(z.number().int()).optional(),
  data: z.string().optional().describe('Base64 of the raw bytes.'),
  encoded_data: z
    .object({
      type: z.literal('array'),
      dtype: z.string(),
      shape: z.array(z.number().int()),
      data: z.string(),
    })
    .optional()
    .describe('EAA era E form.'),
});

const ImageInfo = z.object({
  shape: z.array(z.number().int()).describe('[rows, cols].'),
  psize: z.number().describe('Pixel size, stage units (the scan step).'),
  x_center: z.number(),
  y_center: z.number(),
  size_x: z.number(),
  size_y: z.number(),
  min: z.number(),
  max: z.number(),
  mean: z.number(),
  metadata_path: z.string().describe('JSON sidecar: parameters, stage position, pixel size, time.'),
});

/**
 * The scanning microscope with EAA's exact tool and argument names, so EAA's logic-driven task
 * managers (analytical focusing, parameter tuning) drive it unchanged. Coordinates are stage
 * units (1 unit = 1 pixel at scan_step 1); the worker keeps the image buffers EAA expects.
 */
export function imagingMethods(o: ImagingCatalogOptions) {
  const names = o.parameters.map((p) => p.name).join(', ');
  const ranges = o.parameters.map((p) => `${p.name} ∈ [${p.lower}, ${p.upper}]`).join(', ');
  const Coordinate = (axis: string) =>
    z.number().min(-1e6).max(1e6).describe(`${axis} of the centre, stage units.`);
  const Size = (axis: string) =>
    z.number().gt(0).max(1e6).describe(`Scan extent along ${axis}, stage units (> 0).`);
  const Step = z
    .number()
    .gt(0)
    .max(1e6)
    .default(1)
    .describe('Distance between samples, stage units (> 0); the pixel size.');
  const Dwell = z
    .number()
    .min(0)
    .max(1e6)
    .default(o.dwellUs)
    .describe(`Dwell time per pixel, µs (default ${o.dwellUs}).`);
  const common = { readOnly: false, idempotent: false, destructive: false, mcp: true } as const;
  // set_attribute and set_config: one method under EAA's two names.
  const setting = {
    ...common,
    params: z.strictObject({
      name: z.string().describe(`One of: ${Object.keys(IMAGING_SETTINGS).join(', ')}.`),
      value: z.json().describe('The new value; what is allowed depends on the name.'),
    }),
    result: z.object({ name: z.string(), value: z.json() }),
    idempotent: true,
    resource: 'microscope',
    deadline: { base_ms: 5000 },
  } as const;
  const buffers = {
    readOnly: true,
    idempotent: true,
    resource: null,
    deadline: { base_ms: 30_000 },
  } as const;
  const scanTerm = (extent: string[], step: string[]) => ({
    params: [...extent, 'dwell_us'],
    divide_by: step,
    ms_per_unit: 0.001,
  });

  return {
    set_parameters: defineMethod({
      ...common,
      title: 'Set optics parameters',
      description:
        `Set the microscope's optics parameters, in this order: ${names} (${ranges}). A value ` +
        'away from the best one blurs the image; changing them makes the stage drift a little. ' +
        'Every value is checked before anything changes.',
      params: z.strictObject({
        parameters: z.array(z.number()).describe(`Values in order: ${names}. Ranges: ${ranges}.`),
      }),
      result: z.object({
        status: z.literal('ok'),
        message: z.string(),
        parameters: z.record(z.string(), z.number()),
      }),
      resource: 'microscope',
      deadline: { base_ms: 10_000 },
    }),
    acquire_image: defineMethod({
      ...common,
      title: 'Acquire an image',
      description:
        'Scan a 2D image centred on (x_center, y_center) over size_x × size_y stage units with ' +
        'scan_step between samples, and write it as PNG, .npy and a JSON sidecar. The image ' +
        'becomes the current buffer (the first one also the initial buffer; the former current ' +
        'becomes previous). Returns absolute paths and the pixel size (psize). Progress is ' +
        'reported and the scan can be cancelled between lines.',
      params: z.strictObject({
        x_center: Coordinate('x'),
        y_center: Coordinate('y'),
        size_x: Size('x'),
        size_y: Size('y'),
        scan_step: Step,
        dwell_us: Dwell,
      }),
      result: z.object({
        img_path: z.string().describe('Absolute path of the PNG.'),
        array_path: z.string().describe('Absolute path of the .npy (float32).'),
        raw_data_path: z.string().describe('Same .npy (EAA HEAD key).'),
        psize: z.number(),
        image_info: ImageInfo,
        mcp_images: McpImagesSchema,
      }),
      resource: 'microscope',
      deadline: {
        base_ms: 30_000,
        terms: [scanTerm(['size_x', 'size_y'], ['scan_step', 'scan_step'])],
      },
    }),
    acquire_line_scan: defineMethod({
      ...common,
      title: 'Acquire a line scan',
      description:
        'Sample a line of the given length centred on (x_center, y_center) at angle degrees ' +
        '(0 = along +x, counter-clockwise positive), fit a·exp(−(x−μ)²/2σ²)+c and return the ' +
        'FWHM (2.3548·|σ|, stage units along the line) with the fit parameters and a PNG of the ' +
        'profile and fit. Minimise the FWHM to focus. A fit that fails is an error saying why. ' +
        'With the setting line_scan_return_gaussian_fit false, only the paths are returned ' +
        '(the plot still shows the fit).',
      params: z.strictObject({
        x_center: Coordinate('x'),
        y_center: Coordinate('y'),
        length: z.number().gt(0).max(1e6).describe('Line length, stage units (> 0).'),
        scan_step: Step,
        angle: z
          .number()
          .min(-360)
          .max(360)
          .default(0)
          .describe('Degrees from +x, counter-clockwise.'),
        dwell_us: Dwell,
      }),
      result: z.object({
        fwhm: z
          .number()
          .optional()
          .describe(
            'Full width at half maximum of the fitted Gaussian, stage units. This and the other ' +
              'fit keys are present unless line_scan_return_gaussian_fit is false.',
          ),
        a: z.number().optional(),
        mu: z.number().optional(),
        sigma: z.number().optional(),
        c: z.number().optional(),
        normalized_residual: z.number().optional(),
        x_min: z.number().optional(),
        x_max: z.number().optional(),
        n_points: z.number().int(),
        img_path: z.string().describe('Absolute path of the profile plot PNG.'),
        raw_data_path: z.string().describe('Absolute path of the profile .npy.'),
        mcp_images: McpImagesSchema,
      }),
      resource: 'microscope',
      deadline: { base_ms: 30_000, terms: [scanTerm(['length'], ['scan_step'])] },
    }),
    get_image_array_payload: defineMethod({
      ...common,
      ...buffers,
      title: 'Image array payload',
      description:
        'Return one buffered image as base64 raw bytes for EAA task managers (not for reading): ' +
        'buffer_name current, previous, initial (or image_k, image_km1, image_0). Decode with ' +
        'np.frombuffer(b64decode(data), dtype).reshape(shape).',
      params: z.strictObject({
        buffer_name: z
          .enum(BUFFER_NAMES)
          .describe('current|previous|initial or image_k|image_km1|image_0.'),
      }),
      result: ArrayPayload,
    }),
    get_attribute_payload: defineMethod({
      ...common,
      ...buffers,
      title: 'Attribute payload',
      description:
        'Return one acquisition attribute for EAA task managers: arrays (image_k, image_km1, ' +
        'image_0, line_scan_k) as base64 payloads, everything else as it is, null when empty.',
      params: z.strictObject({
        name: z.enum(IMAGING_ATTRIBUTES).describe(`One of: ${IMAGING_ATTRIBUTES.join(', ')}.`),
      }),
      result: z.union([ArrayPayload, z.json()]),
    }),
    set_attribute: defineMethod({
      ...setting,
      title: 'Set a microscope setting',
      description:
        `Change one setting: ${Object.keys(IMAGING_SETTINGS).join(', ')}. EAA sets ` +
        'line_scan_return_gaussian_fit=true when a focusing task manager starts.',
    }),
    set_config: defineMethod({
      ...setting,
      title: 'Set a microscope setting (alias)',
      description: 'The same as set_attribute (EAA tries set_attribute, then set_config).',
    }),
    dump_array: defineMethod({
      ...common,
      ...buffers,
      readOnly: false,
      title: 'Save an image buffer',
      description:
        'Write one buffered image (current, previous, initial or image_k, image_km1, image_0) to ' +
        'a new .npy file and return its absolute path as array_path, e.g. for image registration.',
      params: z.strictObject({
        buffer_name: z
          .enum(BUFFER_NAMES)
          .describe('current|previous|initial or image_k|image_km1|image_0.'),
      }),
      result: z.object({
        array_path: z.string(),
        buffer_name: z.string(),
        shape: z.array(z.number().int()),
        dtype: z.string(),
        psize: z.number(),
      }),
    }),
    get_state: defineMethod({
      ...common,
      ...buffers,
      title: 'Microscope state',
      description:
        'Show the optics parameters and their history, the image buffers (shape, pixel size), ' +
        'counters, call histories and settings.',
      params: z.strictObject({}),
      result: z.object({
        parameters: z.record(z.string(), z.number()),
        parameter_ranges: z.record(z.string(), z.array(z.number())),
        parameter_history: z.record(z.string(), z.array(z.number())),
        buffers: z.record(
          z.string(),
          z.object({ shape: z.array(z.number().int()), psize: z.number() }).nullable(),
        ),
        counter_acquire_image: z.number().int(),
        counter_line_scan: z.number().int(),
        image_acquisition_call_history: z.array(z.record(z.string(), z.number())),
        line_scan_call_history: z.array(z.record(z.string(), z.number())),
        settings: z.record(z.string(), z.json()),
        artifact_dir: z.string(),
      }),
    }),
  };
}

/** The imaging catalog's type. */
export type ImagingCatalog = ReturnType<typeof imagingMethods>;
