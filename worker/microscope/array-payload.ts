import { endianness } from 'node:os';
import { markPlain, type PAYLOAD_FORMATS } from '../../protocol/index.js';

/** Which of EAA's array payload forms to return. */
export type PayloadFormat = (typeof PAYLOAD_FORMATS)[number];

/**
 * An array as EAA decodes it: raw C-order little-endian bytes, base64, with numpy's dtype name
 * and the shape. `encoded_data` is the form of EAA's era E (today), `numpy_base64` (`encoding`,
 * `dtype`, `shape`, `data`) that of eras B–D. One form per reply: the pixels travel once.
 */
export function encodeArrayPayload(data: Float32Array, shape: number[], format: PayloadFormat) {
  const base64 = littleEndianBytes(data).toString('base64');
  // Made here, so known to need no escaping: the reply splices it in without a scan.
  markPlain(base64);
  const dtype = 'float32';
  if (format === 'numpy_base64')
    return { encoding: 'numpy_base64' as const, dtype, shape, data: base64 };
  return { encoded_data: { type: 'array' as const, dtype, shape, data: base64 } };
}

/** The array's bytes in little-endian order, without a copy on little-endian hosts. */
function littleEndianBytes(data: Float32Array): Buffer {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (endianness() === 'LE') return bytes;
  const swapped = Buffer.from(bytes);
  swapped.swap32();
  return swapped;
}
