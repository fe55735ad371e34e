import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { encodePng16, encodePng8, encodeThumbnail } from '../../../worker/artifacts/png.js';

/** Width, height, bit depth and colour type from the IHDR chunk (PNG spec §11.2.2). */
function ihdr(png: Buffer): {
  width: number;
  height: number;
  bitDepth: number;
  colourType: number;
} {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(png.toString('latin1', 12, 16)).toBe('IHDR');
  return {
    width: png.readUInt32BE(16),
    height: png.readUInt32BE(20),
    bitDepth: png[24],
    colourType: png[25],
  };
}

// A 30 × 40 ramp from −2 at the first pixel to 5 at the last.
const rows = 30;
const cols = 40;
const ramp = Float32Array.from({ length: rows * cols }, (_, i) => -2 + (7 * i) / (rows * cols - 1));

describe('encodePng8', () => {
  it('writes 8-bit greyscale with min → 0 and max → 255', async () => {
    const png = await encodePng8(ramp, rows, cols);
    expect(ihdr(png)).toEqual({ width: cols, height: rows, bitDepth: 8, colourType: 0 });
    const { data, info } = await sharp(png)
      .toColourspace('b-w')
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(1);
    expect(data[0]).toBe(0);
    expect(data[rows * cols - 1]).toBe(255);
    expect(data[Math.round((rows * cols - 1) / 2)]).toBeGreaterThan(125);
    expect(data[Math.round((rows * cols - 1) / 2)]).toBeLessThan(130);
  });

  it('shows a flat image as mid grey and survives NaN', async () => {
    const flat = await sharp(await encodePng8(new Float32Array(12).fill(3), 3, 4))
      .toColourspace('b-w')
      .raw()
      .toBuffer();
    expect(Array.from(flat)).toEqual(new Array(12).fill(128));
    const withNaN = Float32Array.from([0, 1, Number.NaN, 2]);
    const decoded = await sharp(await encodePng8(withNaN, 2, 2))
      .toColourspace('b-w')
      .raw()
      .toBuffer();
    expect(Array.from(decoded)).toEqual([0, 128, 0, 255]);
  });

  it('honours compressionLevel and rejects a wrong shape', async () => {
    const fast = await encodePng8(ramp, rows, cols, { compressionLevel: 0 });
    const small = await encodePng8(ramp, rows, cols, { compressionLevel: 9 });
    expect(fast.length).toBeGreaterThan(small.length);
    await expect(encodePng8(ramp, rows, cols + 1)).rejects.toThrow(RangeError);
    await expect(encodePng8(new Float32Array(0), 0, 0)).rejects.toThrow(RangeError);
  });
});

describe('encodePng16', () => {
  it('writes 16-bit greyscale with min → 0 and max → 65535', async () => {
    const png = await encodePng16(ramp, rows, cols);
    expect(ihdr(png)).toEqual({ width: cols, height: rows, bitDepth: 16, colourType: 0 });
    const { data, info } = await sharp(png)
      .toColourspace('grey16')
      .raw({ depth: 'ushort' })
      .toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(1);
    const values = new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
    expect(values[0]).toBe(0);
    expect(values[rows * cols - 1]).toBe(65535);
    // The ramp is linear, so every value lands within one level of its exact place.
    values.forEach((v, i) =>
      expect(Math.abs(v - (65535 * i) / (rows * cols - 1))).toBeLessThanOrEqual(1),
    );
  });
});

describe('encodeThumbnail', () => {
  it('shrinks to maxSide on the longer side, keeping the aspect, as 8-bit grey', async () => {
    const png = await encodeThumbnail(ramp, rows, cols, 16);
    expect(ihdr(png)).toEqual({ width: 16, height: 12, bitDepth: 8, colourType: 0 });
  });

  it('never enlarges', async () => {
    const png = await encodeThumbnail(ramp, rows, cols, 512);
    expect(ihdr(png)).toMatchObject({ width: cols, height: rows, bitDepth: 8, colourType: 0 });
  });
});
