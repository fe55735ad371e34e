import ndarray from 'ndarray';

/** A 2-D float32 image as an ndarray view: shape [rows, cols], any strides. */
export type ImageView = ndarray.NdArray<Float32Array>;

/** A view over row-major pixels, without a copy. */
export function imageView(data: Float32Array, rows: number, cols: number): ImageView {
  return ndarray(data, [rows, cols]);
}

/**
 * A region of interest: rows [r0, r1) and columns [c0, c1), clipped to the image; a view that
 * shares the pixels (what a detector's ROI or a cropped registration target needs).
 */
export function region(view: ImageView, r0: number, c0: number, r1: number, c1: number): ImageView {
  const [rows, cols] = view.shape;
  const top = clamp(r0, 0, rows);
  const left = clamp(c0, 0, cols);
  return view.hi(clamp(r1, top, rows), clamp(c1, left, cols)).lo(top, left);
}

/** One row of the image as a 1-D view: a line profile along the fast scan axis. */
export function rowProfile(view: ImageView, row: number): ndarray.NdArray<Float32Array> {
  return view.pick(row, null);
}

/**
 * The view's values in C (row-major) order, as numpy's `tobytes()` and `.npy` files have them:
 * the backing array itself when the view covers it exactly in that order, else a compact copy.
 */
export function cOrder(view: ndarray.NdArray<Float32Array>): Float32Array {
  const { shape, stride, offset, data } = view;
  const size = shape.reduce((a, b) => a * b, 1);
  let expected = 1;
  let contiguous = true;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && stride[d] !== expected) contiguous = false;
    expected *= shape[d];
  }
  if (contiguous) {
    return offset === 0 && size === data.length ? data : data.subarray(offset, offset + size);
  }
  const out = new Float32Array(size);
  if (shape.length === 2) {
    const [rows, cols] = shape;
    for (let r = 0, i = 0; r < rows; r++) {
      const base = offset + r * stride[0];
      for (let c = 0; c < cols; c++) out[i++] = data[base + c * stride[1]];
    }
  } else if (shape.length === 1) {
    for (let i = 0; i < size; i++) out[i] = data[offset + i * stride[0]];
  } else {
    throw new RangeError(`cOrder takes 1-D or 2-D views, not ${shape.length}-D`);
  }
  return out;
}

function clamp(v: number, low: number, high: number): number {
  return Math.min(Math.max(Math.trunc(v), low), high);
}
