import sharp from 'sharp';

/** Options for the display encoders. */
export interface PngOptions {
  /**
   * zlib level 0–9. Default 1: these are display images, not archives (the raw data goes to
   * .npy), and on noisy 1024² frames level 1 takes ~16 ms against ~35 ms for sharp's default 6,
   * for files about 40% larger.
   */
  compressionLevel?: number;
  /**
   * The image's [min, max] when the caller has it (the scan threads do): saves a pass. Only
   * used when both are finite; otherwise the range is measured.
   */
  range?: [number, number];
}

/**
 * Encodes a row-major float image as an 8-bit greyscale PNG, auto-contrast: min → 0, max → 255
 * (a flat image is mid grey 128; NaN and ±∞ become 0).
 */
export async function encodePng8(
  image: Float32Array,
  rows: number,
  cols: number,
  options: PngOptions = {},
): Promise<Buffer> {
  const grey = toUint8(image, rows, cols, options.range);
  // Without toColourspace('b-w') sharp writes one channel as RGB (colour type 2), 3× the bytes.
  return sharp(grey, { raw: { width: cols, height: rows, channels: 1 } })
    .toColourspace('b-w')
    .png({ compressionLevel: options.compressionLevel ?? 1 })
    .toBuffer();
}

/**
 * Encodes a row-major float image as a 16-bit greyscale PNG, min → 0, max → 65535 (flat → 32768).
 * sharp takes the depth from the Uint16Array, and `toColourspace('grey16')` keeps it 16-bit
 * on output (without it the PNG comes out 8-bit).
 */
export async function encodePng16(
  image: Float32Array,
  rows: number,
  cols: number,
  options: PngOptions = {},
): Promise<Buffer> {
  checkShape(image, rows, cols);
  const grey = new Uint16Array(image.length);
  const [min, scale] = contrast(image, 65535, options.range);
  if (scale === 0) grey.fill(32768);
  else {
    for (let i = 0; i < image.length; i++) {
      const v = (image[i] - min) * scale + 0.5;
      grey[i] = v > 0 ? v : 0; // NaN → 0; the store truncates like |0
    }
  }
  return sharp(grey, { raw: { width: cols, height: rows, channels: 1 } })
    .toColourspace('grey16')
    .png({ compressionLevel: options.compressionLevel ?? 1 })
    .toBuffer();
}

/**
 * A small auto-contrast 8-bit PNG whose longer side is at most `maxSide` (never enlarged), for
 * MCP image blocks, where a full frame would cost the model thousands of tokens.
 */
export async function encodeThumbnail(
  image: Float32Array,
  rows: number,
  cols: number,
  maxSide: number,
): Promise<Buffer> {
  if (!(Number.isInteger(maxSide) && maxSide >= 1)) {
    throw new RangeError('maxSide must be a positive integer');
  }
  const grey = toUint8(image, rows, cols);
  const factor = Math.min(1, maxSide / Math.max(rows, cols));
  const width = Math.max(1, Math.round(cols * factor));
  const height = Math.max(1, Math.round(rows * factor));
  let pipeline = sharp(grey, { raw: { width: cols, height: rows, channels: 1 } });
  if (factor < 1) pipeline = pipeline.resize({ width, height, fit: 'fill', kernel: 'lanczos3' });
  return pipeline.toColourspace('b-w').png({ compressionLevel: 6 }).toBuffer();
}

/** Auto-contrast to bytes: (v − min)·255/(max − min), rounded; 128 for a flat image. */
function toUint8(
  image: Float32Array,
  rows: number,
  cols: number,
  range?: [number, number],
): Uint8Array {
  checkShape(image, rows, cols);
  const grey = new Uint8Array(image.length);
  const [min, scale] = contrast(image, 255, range);
  if (scale === 0) grey.fill(128);
  else {
    for (let i = 0; i < image.length; i++) {
      // The typed-array store truncates, so + 0.5 rounds; NaN stores as 0.
      grey[i] = (image[i] - min) * scale + 0.5;
    }
  }
  return grey;
}

/** Returns [min, top / (max − min)] over the finite values; scale 0 when there is no range. */
function contrast(image: Float32Array, top: number, range?: [number, number]): [number, number] {
  if (range && Number.isFinite(range[0]) && Number.isFinite(range[1])) {
    return range[1] > range[0] ? [range[0], top / (range[1] - range[0])] : [0, 0];
  }
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < image.length; i++) {
    const v = image[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  // ±∞ would make every finite value 0 or top; leave them out of the range instead.
  if (min === -Infinity || max === Infinity) {
    min = Infinity;
    max = -Infinity;
    for (let i = 0; i < image.length; i++) {
      const v = image[i];
      if (Number.isFinite(v)) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
  }
  if (!(max > min)) return [0, 0];
  return [min, top / (max - min)];
}

function checkShape(image: Float32Array, rows: number, cols: number): void {
  if (!(Number.isInteger(rows) && Number.isInteger(cols) && rows >= 1 && cols >= 1)) {
    throw new RangeError(`cannot encode a ${rows}×${cols} image; both sides must be ≥ 1`);
  }
  if (image.length !== rows * cols) {
    throw new RangeError(`image has ${image.length} values, expected ${rows}×${cols}`);
  }
}
