import { expect, it } from 'vitest';
import { cOrder, imageView, region, rowProfile } from '../../../worker/microscope/image-view.js';

const image = () => {
  // 4 rows × 5 columns, value = 10·row + column.
  const data = Float32Array.from({ length: 20 }, (_, i) => 10 * Math.floor(i / 5) + (i % 5));
  return imageView(data, 4, 5);
};

it('hands over the pixels of a whole image without a copy', () => {
  const view = image();
  expect(cOrder(view)).toBe(view.data);
});

it('cuts a region of interest that shares the pixels, and flattens it in C order', () => {
  const view = image();
  const roi = region(view, 1, 2, 3, 5);
  expect(roi.shape).toEqual([2, 3]);
  expect(Array.from(cOrder(roi))).toEqual([12, 13, 14, 22, 23, 24]);
  roi.set(0, 0, -1);
  expect(view.get(1, 2)).toBe(-1);
  // Bounds are clipped to the image.
  expect(region(view, -3, 3, 99, 99).shape).toEqual([4, 2]);
});

it('flattens transposed and strided views as numpy would', () => {
  const view = image();
  expect(Array.from(cOrder(view.transpose(1, 0).hi(2, 3)))).toEqual([0, 10, 20, 1, 11, 21]);
  expect(Array.from(cOrder(view.step(2, -1)))).toEqual([4, 3, 2, 1, 0, 24, 23, 22, 21, 20]);
});

it('gives a row as a line profile', () => {
  expect(Array.from(cOrder(rowProfile(image(), 2)))).toEqual([20, 21, 22, 23, 24]);
});
