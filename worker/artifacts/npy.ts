/**
 * NumPy's `.npy` format, version 1.0 (numpy/lib/format.py): the magic `\x93NUMPY`, version bytes
 * 1 0, a little-endian uint16 header length, then an ASCII Python dict literal padded with spaces
 * and ended by '\n' so that the data starts at a multiple of 64 bytes, then the raw
 * little-endian C-order data. EAA reads the `raw_data_path` it gets back with
 * `np.load(path, allow_pickle=False)`.
 */

/** The typed arrays that map onto a NumPy dtype. */
export type NpyData = Float32Array | Float64Array | Uint16Array | Uint8Array | Int32Array;

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
const ALIGN = 64;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** NumPy's dtype string for a typed array; NumPy spells byte order "|" (not applicable) for one-byte types. */
function descrOf(data: NpyData): string | undefined {
  if (data instanceof Float32Array) return '<f4';
  if (data instanceof Float64Array) return '<f8';
  if (data instanceof Uint16Array) return '<u2';
  if (data instanceof Uint8Array) return '|u1'; // Buffer included
  if (data instanceof Int32Array) return '<i4';
  return undefined;
}

const CONSTRUCTORS = {
  '<f4': Float32Array,
  '<f8': Float64Array,
  '<u2': Uint16Array,
  '|u1': Uint8Array,
  '<u1': Uint8Array,
  '<i4': Int32Array,
} as const;

/**
 * Encodes `data` with `shape` as NPY v1.0, e.g. header `{'descr': '<f4', 'fortran_order': False,
 * 'shape': (64, 64), }` for a 64×64 float32 image. Throws if the shape does not hold the data.
 */
export function encodeNpy(data: NpyData, shape: number[]): Buffer {
  const descr = descrOf(data);
  if (descr === undefined)
    throw new TypeError(`no NumPy dtype for ${Object.prototype.toString.call(data)}`);
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new RangeError(`shape must be non-negative integers, got (${shape.join(', ')})`);
  }
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== data.length) {
    throw new RangeError(
      `shape (${shape.join(', ')}) holds ${size} values, data has ${data.length}`,
    );
  }
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${pythonTuple(shape)}, }`;
  // magic (6) + version (2) + length (2) + dict + padding + '\n' ≡ 0 (mod 64)
  const unpadded = MAGIC.length + 2 + 2 + dict.length + 1;
  const padding = (ALIGN - (unpadded % ALIGN)) % ALIGN;
  const header = dict + ' '.repeat(padding) + '\n';
  const prefix = Buffer.alloc(MAGIC.length + 4);
  MAGIC.copy(prefix, 0);
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), littleEndianBytes(data)]);
}

/** Decodes an NPY file of a dtype encodeNpy writes (versions 1.0–3.0, C order); throws on anything else. */
export function decodeNpy(buffer: Buffer): { dtype: string; shape: number[]; data: NpyData } {
  if (buffer.length < 10 || !buffer.subarray(0, 6).equals(MAGIC)) {
    throw new Error('not an NPY file (no \\x93NUMPY magic)');
  }
  const major = buffer[6];
  if (major < 1 || major > 3) throw new Error(`unsupported NPY version ${major}.${buffer[7]}`);
  const lengthBytes = major === 1 ? 2 : 4;
  const headerLength = major === 1 ? buffer.readUInt16LE(8) : buffer.readUInt32LE(8);
  const dataStart = 8 + lengthBytes + headerLength;
  if (buffer.length < dataStart) throw new Error('NPY header is truncated');
  const header = buffer.toString(major === 3 ? 'utf8' : 'latin1', 8 + lengthBytes, dataStart);
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new Error(
      `NPY header is not a dict with descr, fortran_order and shape: ${header.trim()}`,
    );
  }
  if (fortran === 'True') throw new Error('Fortran-order NPY arrays are not supported');
  if (!(descr in CONSTRUCTORS)) throw new Error(`unsupported NPY dtype ${descr}`);
  const Constructor = CONSTRUCTORS[descr as keyof typeof CONSTRUCTORS];
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  const size = shape.reduce((a, b) => a * b, 1);
  const byteLength = size * Constructor.BYTES_PER_ELEMENT;
  if (buffer.length < dataStart + byteLength) {
    throw new Error(
      `NPY data is truncated: need ${byteLength} bytes, have ${buffer.length - dataStart}`,
    );
  }
  // Copy into a fresh, aligned buffer (the data need not be aligned inside `buffer`).
  const bytes = new Uint8Array(byteLength);
  bytes.set(buffer.subarray(dataStart, dataStart + byteLength));
  if (!LITTLE_ENDIAN_HOST) swapBytes(bytes, Constructor.BYTES_PER_ELEMENT);
  return { dtype: descr, shape, data: new Constructor(bytes.buffer) };
}

/** Python's repr of a tuple of ints: `()`, `(5,)`, `(64, 64)`. */
function pythonTuple(shape: number[]): string {
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(', ')})`;
}

function littleEndianBytes(data: NpyData): Buffer {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (LITTLE_ENDIAN_HOST || data.BYTES_PER_ELEMENT === 1) return bytes;
  const copy = Buffer.from(bytes);
  swapBytes(copy, data.BYTES_PER_ELEMENT);
  return copy;
}

function swapBytes(bytes: Uint8Array, width: number): void {
  for (let i = 0; i < bytes.length; i += width) bytes.subarray(i, i + width).reverse();
}
