import { endianness } from 'node:os';

/** Which of EAA's array payload forms to return. */
export type PayloadFormat = 'both' | 'numpy_base64' | 'encoded_data';

/**
 * An array as EAA decodes it: raw C-order little-endian bytes, base64, with numpy's dtype name
 * and the shape. `numpy_base64` is the era B–D form (`encoding`, `dtype`, `shape`, `data`),
 * `encoded_data` the era E form; every EAA decoder ignores extra keys, so `both` works for all
 * eras at twice the size.
 */
export function encodeArrayPayload(data: Float32Array, shape: number[], format: PayloadFormat) {
  const base64 = littleEndianBytes(data).toString('base64');
  const dtype = 'float32';
  const legacy = { encoding: 'numpy_base64' as const, dtype, shape, data: base64 };
  const current = { encoded_data: { type: 'array' as const, dtype, shape, data: base64 } };
  if (format === 'numpy_base64') return legacy;
  if (format === 'encoded_data') return current;
  return { ...legacy, ...current };
}

/** The array's bytes in little-endian order, without a copy on little-endian hosts. */
function littleEndianBytes(data: Float32Array): Buffer {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (endianness() === 'LE') return bytes;
  const swapped = Buffer.from(bytes);
  swapped.swap32();
  return swapped;
}
