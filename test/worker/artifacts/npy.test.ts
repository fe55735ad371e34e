import { describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy } from '../../../worker/artifacts/npy.js';

describe('encodeNpy', () => {
  it('writes the header numpy writes, byte for byte', () => {
    const npy = encodeNpy(new Float32Array(30), [6, 5]);
    // np.save of a (6, 5) float32 array with numpy 2.4: 118 header bytes, data at 128.
    const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (6, 5), }";
    const expected = Buffer.concat([
      Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 0x01, 0x00, 118, 0]),
      Buffer.from(dict + ' '.repeat(118 - dict.length - 1) + '\n', 'latin1'),
    ]);
    expect(npy.subarray(0, 128)).toEqual(expected);
    expect(npy.length).toBe(128 + 30 * 4);
  });

  it.each([
    [new Uint8Array(3), [3], "{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }"],
    [new Float64Array(1), [], "{'descr': '<f8', 'fortran_order': False, 'shape': (), }"],
    [
      new Uint16Array(1024 * 2048),
      [1024, 2048],
      "{'descr': '<u2', 'fortran_order': False, 'shape': (1024, 2048), }",
    ],
    [new Int32Array(0), [0, 7], "{'descr': '<i4', 'fortran_order': False, 'shape': (0, 7), }"],
  ] as const)(
    'pads the header so the data starts at a multiple of 64 (%#)',
    (data, shape, dict) => {
      const npy = encodeNpy(data, [...shape]);
      const headerLength = npy.readUInt16LE(8);
      expect((10 + headerLength) % 64).toBe(0);
      const header = npy.toString('latin1', 10, 10 + headerLength);
      expect(header.startsWith(dict)).toBe(true);
      expect(header.endsWith('\n')).toBe(true);
      expect(header.slice(dict.length, -1)).toMatch(/^ *$/);
    },
  );

  it('refuses a shape that does not hold the data', () => {
    expect(() => encodeNpy(new Float32Array(6), [2, 2])).toThrow(RangeError);
    expect(() => encodeNpy(new Float32Array(6), [2, -3])).toThrow(RangeError);
  });
});

describe('decodeNpy', () => {
  it.each([
    ['<f4', Float32Array.from([1.5, -2, Math.PI, 1e-30, 0, 7])],
    ['<f8', Float64Array.from([1.5, -2, Math.PI, 1e-300, 0, 7])],
    ['<u2', Uint16Array.from([0, 1, 65535, 2, 3, 4])],
    ['|u1', Uint8Array.from([0, 1, 255, 2, 3, 4])],
    ['<i4', Int32Array.from([0, -1, 2147483647, -2147483648, 3, 4])],
  ] as const)('round-trips %s', (dtype, data) => {
    const decoded = decodeNpy(encodeNpy(data, [2, 3]));
    expect(decoded.dtype).toBe(dtype);
    expect(decoded.shape).toEqual([2, 3]);
    expect(decoded.data).toEqual(data);
  });

  it('reads data that is not aligned inside the buffer', () => {
    const npy = encodeNpy(Float64Array.from([1, 2, 3]), [3]);
    const shifted = Buffer.concat([Buffer.from([0]), npy]).subarray(1);
    expect(Array.from(decodeNpy(shifted).data)).toEqual([1, 2, 3]);
  });

  it('rejects what it cannot read', () => {
    expect(() => decodeNpy(Buffer.from('not an npy file'))).toThrow(/magic/);
    const npy = encodeNpy(new Float32Array(4), [4]);
    expect(() => decodeNpy(npy.subarray(0, npy.length - 1))).toThrow(/truncated/);
    const fortran = Buffer.from(npy);
    fortran.write("'fortran_order': True, ", 10 + 17, 'latin1');
    expect(() => decodeNpy(fortran)).toThrow(/Fortran/);
  });
});
