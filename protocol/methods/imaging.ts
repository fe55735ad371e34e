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
  /** Scan coordinates of the optical axis, where composite tools centre (named in descriptions). */
  fieldCenter?: { x: number; y: number };
  /** Where a line scan crosses one feature with the stage at home, when the microscope knows. */
  focusLine?: { x: number; y: number };
}

/**
 * What every microscope operation serializes on: the EAA methods, the composite tools and the
 * simulated microscope's devices share one column, stage and set of buffers.
 */
export const MICROSCOPE_RESOURCE = 'microscope';

/** Names an optics parameter may have to be taken for the focus (C1, defocus, an EAA z). */
const FOCUS_NAMES = /^(z|focus|defocus|df|c1)$/i;

/** The optics parameter autofocus sweeps by default: the first named like a focus, else the first. */
export function focusParameterName(parameters: ReadonlyArray<{ name: string }>): string {
  return (parameters.find((p) => FOCUS_NAMES.test(p.name)) ?? parameters[0]).name;
}

/** Scores autofocus can rank images by. */
export const FOCUS_METRICS = ['contrast', 'line_fwhm'] as const;

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

/**
 * The array payload forms, one per reply: EAA decodes `encoded_data` since its era E (July 2026)
 * and `numpy_base64` before. Both in one object would double every buffer sync.
 */
export const PAYLOAD_FORMATS = ['encoded_data', 'numpy_base64'] as const;

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
    .enum(PAYLOAD_FORMATS)
    .describe('Array payload form: encoded_data (EAA era E, today) or numpy_base64 (eras B–D).'),
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
 * units (1 unit = 1 pixel at scan_step 1, 1 nm of the simulated specimen), offset by the
 * specimen stage's position; the worker keeps the image buffers EAA expects. autofocus and
 * acquire_mosaic compose them, as ordinary methods with progress and cancel.
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
  const parameterNames = o.parameters.map((p) => p.name) as [string, ...string[]];
  const focus = focusParameterName(o.parameters);
  const axis = o.fieldCenter
    ? `the optical axis, (${o.fieldCenter.x}, ${o.fieldCenter.y})`
    : 'the optical axis';
  const focusLine = o.focusLine
    ? `default (${o.focusLine.x}, ${o.focusLine.y}) with the stage at home — across one sharp ` +
      'feature the microscope knows of, moving with the stage'
    : 'both required: a line across one sharp feature';
  const StagePosition = z.object({ x: z.number(), y: z.number() }).describe('Stage position, nm.');
  // set_attribute and set_config: one method under EAA's two names.
  const setting = {
    ...common,
    params: z.strictObject({
      name: z.string().describe(`One of: ${Object.keys(IMAGING_SETTINGS).join(', ')}.`),
      value: z.json().describe('The new value; what is allowed depends on the name.'),
    }),
    result: z.object({ name: z.string(), value: z.json() }),
    idempotent: true,
    resource: MICROSCOPE_RESOURCE,
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
      resource: MICROSCOPE_RESOURCE,
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
        'reported and the scan can be cancelled between lines. Coordinates are relative to the ' +
        'specimen stage: with the stage at (x, y) nm, (x_center, y_center) images the specimen ' +
        'at (x_center + x, y_center + y).',
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
      resource: MICROSCOPE_RESOURCE,
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
      resource: MICROSCOPE_RESOURCE,
      deadline: { base_ms: 30_000, terms: [scanTerm(['length'], ['scan_step'])] },
    }),
    autofocus: defineMethod({
      ...common,
      title: 'Autofocus',
      description:
        `Sweep one optics parameter (default ${focus}) over [lower, upper] in \`steps\` equal ` +
        'steps, score an acquisition at each value, and leave the parameter at the best one. ' +
        'metric contrast: the normalised variance (σ²/μ²) of a size × size image centred on ' +
        `(x_center, y_center), default ${axis} and 128; higher is sharper. metric ` +
        'line_fwhm: the fitted FWHM of a line scan of length size (default 40) at angle, ' +
        `centred on (x_center, y_center), ${focusLine}; lower is sharper, and a step whose fit ` +
        'fails, fits poorly or finds no line inside the scan scores null (the optics drift ' +
        'as they change, and far from focus the line can slide off the feature). With ' +
        'refine, a parabola through the best step and its neighbours places the best value ' +
        'between steps. Reports progress after every step and can be ' +
        'cancelled between steps or during a scan; a cancelled or failed autofocus puts the ' +
        'parameter back where it was. Scoring images are not kept (no files, no buffers).',
      params: z.strictObject({
        parameter: z
          .enum(parameterNames)
          .default(focus)
          .describe(`Parameter to sweep: ${parameterNames.join(', ')} (default ${focus}).`),
        lower: z.number().optional().describe("Sweep start; default the parameter's lower limit."),
        upper: z.number().optional().describe("Sweep end; default the parameter's upper limit."),
        steps: z
          .number()
          .int()
          .min(3)
          .max(101)
          .default(21)
          .describe('Number of values tried, lower and upper included (3–101).'),
        metric: z
          .enum(FOCUS_METRICS)
          .default('contrast')
          .describe(
            'contrast (image, higher is sharper) or line_fwhm (line scan, lower is sharper).',
          ),
        x_center: Coordinate('x')
          .optional()
          .describe('x of the centre, stage units; default: see the description.'),
        y_center: Coordinate('y')
          .optional()
          .describe('y of the centre, stage units; default: see the description.'),
        size: z
          .number()
          .gt(0)
          .max(1e6)
          .optional()
          .describe(
            'Image side (contrast, default 128) or line length (line_fwhm, default 40), stage units.',
          ),
        angle: z
          .number()
          .min(-360)
          .max(360)
          .default(0)
          .describe('Line angle for line_fwhm, degrees from +x, counter-clockwise.'),
        scan_step: z
          .number()
          .gt(0)
          .max(1e6)
          .optional()
          .describe(
            'Distance between samples, stage units; default 0.5 for contrast (finer than the ' +
              "specimen's raster, so the score follows the focus rather than where samples fall " +
              'as the optics drift) and 1 for line_fwhm.',
          ),
        dwell_us: Dwell,
        refine: z
          .boolean()
          .default(true)
          .describe('Interpolate the best value between steps with a parabola.'),
      }),
      result: z.object({
        parameter: z.string(),
        metric: z.enum(FOCUS_METRICS),
        best_value: z.number().describe('Where the parameter was left.'),
        best_score: z.number().describe('Score of the best step.'),
        refined: z.boolean().describe('Whether best_value was interpolated between steps.'),
        steps: z.array(
          z.object({
            value: z.number(),
            score: z.number().nullable().describe('null when the step could not be scored.'),
            note: z.string().optional().describe('Why a step has no score.'),
          }),
        ),
        parameters: z.record(z.string(), z.number()).describe('Every optics parameter as left.'),
        message: z.string(),
      }),
      resource: MICROSCOPE_RESOURCE,
      deadline: {
        base_ms: 30_000,
        terms: [
          { params: ['steps'], ms_per_unit: 3000 },
          {
            params: ['steps', 'size', 'size', 'dwell_us'],
            divide_by: ['scan_step', 'scan_step'],
            ms_per_unit: 0.001,
          },
          // The default image (128 / 0.5 = 256² samples) when size or scan_step is left out.
          { params: ['steps', 'dwell_us'], ms_per_unit: 0.001 * 256 * 256 },
        ],
      },
    }),
    acquire_mosaic: defineMethod({
      ...common,
      title: 'Acquire a mosaic',
      description:
        'Image a tiles_x × tiles_y grid of square tiles (tile_size stage units = nm each, ' +
        'scan_step apart) by moving the stage, centred on where the stage is, with `overlap` ' +
        `between neighbours, and stitch them. Each tile is scanned centred on ${axis}; the ` +
        'stage moves in a serpentine. Every target is checked against the stage limits before ' +
        'anything moves. Writes one .npy per tile as it completes and, at the end, the ' +
        'stitched PNG, .npy and a JSON sidecar; each complete tile also becomes the current ' +
        'image buffer, as an acquire_image would. Progress is reported per tile. Cancel ' +
        'contract: a cancel (or deadline) stops the scan of the tile in progress at its next ' +
        'line, that tile is discarded, the stage returns to where it started, no stitched file ' +
        'is written, the buffers hold only complete tiles, and the reply (CANCELLED) lists the ' +
        'completed tiles and their .npy files. On success too the stage ends where it started.',
      params: z.strictObject({
        tiles_x: z.number().int().min(1).max(16).describe('Tiles along x (1–16).'),
        tiles_y: z.number().int().min(1).max(16).describe('Tiles along y (1–16).'),
        tile_size: z
          .number()
          .gt(0)
          .max(4096)
          .default(128)
          .describe('Side of each square tile, stage units (nm); default 128.'),
        overlap: z
          .number()
          .min(0)
          .max(0.5)
          .default(0.1)
          .describe('Share of a tile shared with its neighbour, 0–0.5 (rounded to whole samples).'),
        scan_step: Step,
        dwell_us: Dwell,
      }),
      result: z.object({
        img_path: z.string().describe('Absolute path of the stitched PNG.'),
        array_path: z.string().describe('Absolute path of the stitched .npy (float32).'),
        metadata_path: z.string().describe('JSON sidecar: layout, stage positions, parameters.'),
        shape: z.array(z.number().int()).describe('[rows, cols] of the stitched image.'),
        psize: z.number().describe('Pixel size, stage units.'),
        pitch: z.number().describe('Stage move between neighbouring tiles, nm.'),
        overlap: z.number().describe('Overlap as used, after rounding to whole samples.'),
        stage: StagePosition.describe('Where the stage is now: where it started.'),
        tiles: z.array(
          z.object({
            row: z.number().int(),
            col: z.number().int(),
            stage: StagePosition,
            array_path: z.string(),
          }),
        ),
        mcp_images: McpImagesSchema,
      }),
      resource: MICROSCOPE_RESOURCE,
      deadline: {
        base_ms: 30_000,
        terms: [
          { params: ['tiles_x', 'tiles_y'], ms_per_unit: 3000 },
          {
            params: ['tiles_x', 'tiles_y', 'tile_size', 'tile_size', 'dwell_us'],
            divide_by: ['scan_step', 'scan_step'],
            ms_per_unit: 0.001,
          },
        ],
      },
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
    get_current_image_info: imageInfoMethod('image_k', 'current'),
    get_previous_image_info: imageInfoMethod('image_km1', 'previous'),
    get_initial_image_info: imageInfoMethod('image_0', 'initial'),
  };
}

/**
 * EAA's `AcquireImage.get_*_image_info` (`get_image_buffer_info_by_name`), which its focusing
 * task manager's image registration calls through MCPRPCWrapper: the buffer's pixel size, shape
 * and dtype, null while the buffer is empty (EAA then refuses to register; it is not an error).
 */
function imageInfoMethod(native: 'image_k' | 'image_km1' | 'image_0', which: string) {
  return defineMethod({
    title: `${which[0].toUpperCase()}${which.slice(1)} image info`,
    description:
      `Pixel size, shape and dtype of the ${which} image buffer (${native}); null values while ` +
      'it is empty.',
    params: z.strictObject({}),
    result: z.object({
      buffer_name: z.literal(native),
      psize: z.number().nullable().describe('Pixel size, stage units (the scan step).'),
      shape: z.array(z.number().int()).nullable().describe('[rows, cols].'),
      dtype: z.string().nullable(),
    }),
    readOnly: true,
    idempotent: true,
    destructive: false,
    resource: null,
    deadline: { base_ms: 2000 },
    mcp: true,
  });
}

/** The imaging catalog's type. */
export type ImagingCatalog = ReturnType<typeof imagingMethods>;
