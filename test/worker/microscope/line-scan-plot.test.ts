import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { fitGaussian1d, gaussian1d } from '../../../worker/microscope/gaussian-fit.js';
import { lineScanSvg, renderLineScanPng } from '../../../worker/microscope/line-scan-plot.js';

const distances = Array.from({ length: 35 }, (_, i) => i * 0.2);
const values = distances.map((d) => gaussian1d(d, 0.8, 3.1, 0.6, 0.1));
const fit = fitGaussian1d(distances, values);

describe('renderLineScanPng', () => {
  it('renders a valid PNG of about 640 × 360 by default', async () => {
    const png = await renderLineScanPng({ distances, values, fit });
    expect(png.subarray(0, 8)).toEqual(
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    );
    const meta = await sharp(png).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 640, 360]);
    // Something was drawn: not a blank white page.
    const stats = await sharp(png).stats();
    expect(stats.channels[0].min).toBeLessThan(100);
  });

  it('renders at a requested size, and when the fit failed', async () => {
    const failed = fitGaussian1d([0, 1, 2, 3, 4, 5], [1, 1, 1, 1, 1, 1]);
    const png = await renderLineScanPng({
      distances: [0, 1, 2, 3, 4, 5],
      values: [1, 1, 1, 1, 1, 1],
      fit: failed,
      title: 'Line scan <x> & "y"',
      width: 800,
      height: 450,
    });
    const meta = await sharp(png).metadata();
    expect([meta.width, meta.height]).toEqual([800, 450]);
    await expect(renderLineScanPng({ distances, values, fit, width: 10 })).rejects.toThrow(
      RangeError,
    );
  });
});

describe('lineScanSvg', () => {
  it('draws the profile solid, the fit dashed and the FWHM with 2 decimals', () => {
    expect(fit.ok).toBe(true);
    const svg = lineScanSvg({ distances, values, fit, width: 640, height: 360 });
    expect(svg).toContain('FWHM = 1.41'); // 2.3548 × 0.6
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg).toMatch(/<polyline[^>]*stroke-dasharray/);
    expect(svg).toContain('>distance<');
    expect(svg).toContain('>value<');
    expect(svg).toContain('Gaussian fit');
  });

  it('shows the failure reason instead of a fit, with text escaped', () => {
    const failed = fitGaussian1d([0, 1, 2, 3], [0, 1, 0, 1]);
    const svg = lineScanSvg({
      distances: [0, 1, 2, 3],
      values: [0, 1, Number.NaN, 1],
      fit: failed,
      title: 'a < b & c',
      width: 640,
      height: 360,
    });
    // The reason may be wrapped over several <text> lines.
    const text = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]).join(' ');
    expect(text).toContain('No Gaussian fit: only 4 finite points; a fit needs at least 5');
    expect(svg).not.toContain('FWHM =');
    expect(svg.match(/<polyline/g)).toHaveLength(1);
    expect(svg).toContain('a &#60; b &#38; c');
  });
});
