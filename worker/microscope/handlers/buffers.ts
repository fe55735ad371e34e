import ndarray from 'ndarray';
import { WorkerError } from '../../../protocol/index.js';
import { AcquisitionBuffers } from '../acquisition-buffers.js';
import { encodeArrayPayload } from '../array-payload.js';
import { cOrder } from '../image-view.js';
import { encodeNpy } from '../../artifacts/npy.js';
import type { ImagingDeps, ImagingHandlers } from './deps.js';

/** The payload, info, dump and state methods: answered from memory, never queued. */
export function bufferHandlers(
  deps: ImagingDeps,
): ImagingHandlers<
  | 'get_image_array_payload'
  | 'get_attribute_payload'
  | 'dump_array'
  | 'get_state'
  | 'get_current_image_info'
  | 'get_previous_image_info'
  | 'get_initial_image_info'
> {
  const { settings } = deps;
  const { buffers } = deps.column;
  const payload = (view: ndarray.NdArray<Float32Array>) =>
    encodeArrayPayload(cOrder(view), view.shape, settings.payloadFormat);
  const required = (name: string) => {
    const image = buffers.resolve(name);
    if (!image) {
      const native = AcquisitionBuffers.nativeName(name);
      const when =
        native === 'image_km1' ? 'after the second acquire_image' : 'after the first acquire_image';
      throw new WorkerError(
        'INVALID_PARAMS',
        `buffer "${name}" (${native}) is empty: it fills ${when}`,
        {
          path: ['params', 'buffer_name'],
        },
      );
    }
    return image;
  };

  const info = <N extends 'image_k' | 'image_km1' | 'image_0'>(name: N) => {
    const image = buffers[name];
    return {
      buffer_name: name,
      psize: image?.psize ?? null,
      shape: image ? image.view.shape : null,
      dtype: image ? 'float32' : null,
    };
  };

  return {
    get_current_image_info: () => info('image_k'),
    get_previous_image_info: () => info('image_km1'),
    get_initial_image_info: () => info('image_0'),

    get_image_array_payload: ({ buffer_name }) => {
      const image = required(buffer_name);
      return payload(image.view);
    },

    get_attribute_payload: ({ name }) => {
      switch (name) {
        case 'image_k':
        case 'image_km1':
        case 'image_0': {
          const image = buffers[name];
          return image ? payload(image.view) : null;
        }
        case 'psize_k':
        case 'psize_km1':
        case 'psize_0':
          return buffers[name.replace('psize', 'image') as 'image_k']?.psize ?? null;
        case 'line_scan_k':
          return buffers.line_scan_k ? payload(ndarray(buffers.line_scan_k.values)) : null;
        case 'image_acquisition_call_history':
          return buffers.imageCalls.map((c) => ({ ...c }));
        case 'line_scan_call_history':
          return buffers.lineScanCalls.map((c) => ({ ...c }));
        case 'parameter_history':
          return deps.column.parameterHistory();
        case 'counter_acquire_image':
          return buffers.counterAcquireImage;
        case 'line_scan_return_gaussian_fit':
          return settings.lineScanReturnGaussianFit;
        case 'blur':
        case 'offset': {
          const state = deps.microscope.describeState();
          return (state[name] as number | number[] | undefined) ?? null;
        }
      }
    },

    dump_array: async ({ buffer_name }) => {
      const image = required(buffer_name);
      const base = deps.artifacts.nextBase(`dump_${AcquisitionBuffers.nativeName(buffer_name)}`);
      const [path] = await deps.artifacts.writeGroup([
        [`${base}.npy`, encodeNpy(cOrder(image.view), image.view.shape)],
      ]);
      return {
        array_path: path,
        buffer_name,
        shape: image.view.shape,
        dtype: 'float32',
        psize: image.psize,
      };
    },

    get_state: () => {
      const describe = (name: 'image_k' | 'image_km1' | 'image_0') => {
        const image = buffers[name];
        return image ? { shape: image.view.shape, psize: image.psize } : null;
      };
      const values = deps.microscope.parameterValues();
      return {
        parameters: Object.fromEntries(
          deps.microscope.parameters.map((p, i) => [p.name, values[i]]),
        ),
        parameter_ranges: Object.fromEntries(
          deps.microscope.parameters.map((p) => [p.name, [p.lower, p.upper]]),
        ),
        parameter_history: deps.column.parameterHistory(),
        buffers: {
          image_k: describe('image_k'),
          image_km1: describe('image_km1'),
          image_0: describe('image_0'),
        },
        counter_acquire_image: buffers.counterAcquireImage,
        counter_line_scan: buffers.counterLineScan,
        image_acquisition_call_history: buffers.imageCalls.map((c) => ({ ...c })),
        line_scan_call_history: buffers.lineScanCalls.map((c) => ({ ...c })),
        settings: {
          line_scan_return_gaussian_fit: settings.lineScanReturnGaussianFit,
          poisson_noise_scale: settings.poissonNoiseScale,
          blur_factor: settings.blurFactor,
          drift_factor: settings.driftFactor,
          scan_jitter: settings.scanJitter,
          png_bit_depth: settings.pngBitDepth,
          thumbnails: settings.thumbnails,
          payload_format: settings.payloadFormat,
          ...(deps.microscope.describeState() as Record<string, number | number[]>),
        },
        artifact_dir: deps.artifacts.store.root,
      };
    },
  };
}
