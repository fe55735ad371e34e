import sharp from 'sharp';
import { gaussian1d, type GaussianFit } from './gaussian-fit.js';

/**
 * The line-scan figure, laid out like the first panel of EAA's `acquire_line_scan` plot (the
 * LLM line-scan checker is used to it): the profile as a solid line, the Gaussian fit dashed, a
 * legend, a grid, "distance" and "value" axes, and "FWHM = 2.35" at the top left — or, when the
 * fit failed, its reason. Drawn as SVG and rasterised by sharp (librsvg, DejaVu Sans).
 */
export async function renderLineScanPng(input: {
  distances: ArrayLike<number>;
  values: ArrayLike<number>;
  fit: GaussianFit;
  title?: string;
  width?: number;
  height?: number;
}): Promise<Buffer> {
  const width = Math.round(input.width ?? 640);
  const height = Math.round(input.height ?? 360);
  if (!(width >= 160 && height >= 120 && width <= 4096 && height <= 4096)) {
    throw new RangeError('the figure must be between 160×120 and 4096×4096 pixels');
  }
  const svg = lineScanSvg({ ...input, width, height });
  return sharp(Buffer.from(svg)).png({ compressionLevel: 6 }).toBuffer();
}

const DATA_COLOUR = '#1f77b4'; // matplotlib's first two colours, as in EAA's figure
const FIT_COLOUR = '#ff7f0e';
const FONT = 'font-family="DejaVu Sans, sans-serif"';

/** Builds the figure's SVG; exported for tests and for callers that want vector output. */
export function lineScanSvg(input: {
  distances: ArrayLike<number>;
  values: ArrayLike<number>;
  fit: GaussianFit;
  title?: string;
  width: number;
  height: number;
}): string {
  const { width, height, fit } = input;
  const plot = { left: 72, right: width - 16, top: 34, bottom: height - 46 };
  const points: [number, number][] = [];
  for (let i = 0; i < Math.min(input.distances.length, input.values.length); i++) {
    const d = input.distances[i];
    const v = input.values[i];
    if (Number.isFinite(d) && Number.isFinite(v)) points.push([d, v]);
  }
  const curve = fit.ok ? fitCurve(fit) : [];

  const [xLo, xHi] = extent(
    points.map((p) => p[0]),
    fit.x_min,
    fit.x_max,
  );
  const [yLo, yHi] = extent(
    [...points, ...curve].map((p) => p[1]),
    0,
    1,
  );
  const xRange = niceRange(xLo, xHi, 0);
  const yRange = niceRange(yLo, yHi, 0.05);
  const sx = (x: number) =>
    plot.left + ((x - xRange.lo) / (xRange.hi - xRange.lo)) * (plot.right - plot.left);
  const sy = (y: number) =>
    plot.bottom - ((y - yRange.lo) / (yRange.hi - yRange.lo)) * (plot.bottom - plot.top);

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<defs><clipPath id="plot"><rect x="${plot.left}" y="${plot.top}" width="${plot.right - plot.left}" height="${plot.bottom - plot.top}"/></clipPath></defs>`,
  );
  // Grid and tick labels.
  for (const t of xRange.ticks) {
    const x = sx(t).toFixed(1);
    parts.push(
      `<line x1="${x}" y1="${plot.top}" x2="${x}" y2="${plot.bottom}" stroke="#e0e0e0" stroke-width="1"/>`,
      `<line x1="${x}" y1="${plot.bottom}" x2="${x}" y2="${plot.bottom + 5}" stroke="black" stroke-width="1"/>`,
      `<text x="${x}" y="${plot.bottom + 18}" ${FONT} font-size="11" text-anchor="middle">${formatTick(t, xRange.step)}</text>`,
    );
  }
  for (const t of yRange.ticks) {
    const y = sy(t).toFixed(1);
    parts.push(
      `<line x1="${plot.left}" y1="${y}" x2="${plot.right}" y2="${y}" stroke="#e0e0e0" stroke-width="1"/>`,
      `<line x1="${plot.left - 5}" y1="${y}" x2="${plot.left}" y2="${y}" stroke="black" stroke-width="1"/>`,
      `<text x="${plot.left - 8}" y="${y}" ${FONT} font-size="11" text-anchor="end" dominant-baseline="middle">${formatTick(t, yRange.step)}</text>`,
    );
  }
  parts.push(
    `<rect x="${plot.left}" y="${plot.top}" width="${plot.right - plot.left}" height="${plot.bottom - plot.top}" fill="none" stroke="black" stroke-width="1"/>`,
    `<text x="${(plot.left + plot.right) / 2}" y="${height - 10}" ${FONT} font-size="13" text-anchor="middle">distance</text>`,
    `<text transform="translate(16 ${(plot.top + plot.bottom) / 2}) rotate(-90)" ${FONT} font-size="13" text-anchor="middle" dominant-baseline="middle">value</text>`,
    `<text x="${width / 2}" y="22" ${FONT} font-size="15" text-anchor="middle">${escapeXml(input.title ?? 'Line scan')}</text>`,
  );
  // The curves, clipped to the plot area.
  parts.push(`<g clip-path="url(#plot)" fill="none" stroke-linejoin="round">`);
  if (points.length > 0) {
    parts.push(
      `<polyline points="${points.map(([x, y]) => `${sx(x).toFixed(2)},${sy(y).toFixed(2)}`).join(' ')}" stroke="${DATA_COLOUR}" stroke-width="1.8"/>`,
    );
  }
  if (curve.length > 0) {
    parts.push(
      `<polyline points="${curve.map(([x, y]) => `${sx(x).toFixed(2)},${sy(y).toFixed(2)}`).join(' ')}" stroke="${FIT_COLOUR}" stroke-width="1.8" stroke-dasharray="7 4"/>`,
    );
  }
  parts.push(`</g>`);
  // FWHM (or why there is none) at the top left, as EAA places its text.
  const message = fit.ok ? `FWHM = ${fit.fwhm.toFixed(2)}` : `No Gaussian fit: ${fit.reason}`;
  // Wrapped at about 7 px per character, short of the legend on the right.
  const lines = wrap(message, Math.floor((plot.right - plot.left - 150) / 7));
  lines.forEach((line, i) => {
    parts.push(
      `<text x="${plot.left + 10}" y="${plot.top + 20 + i * 16}" ${FONT} font-size="13" fill="${fit.ok ? 'black' : '#b00020'}">${escapeXml(line)}</text>`,
    );
  });
  // Legend at the top right.
  const legend = [
    ['data', DATA_COLOUR, ''] as const,
    ...(fit.ok ? [['Gaussian fit', FIT_COLOUR, '7 4'] as const] : []),
  ];
  const lx = plot.right - 120;
  legend.forEach(([label, colour, dash], i) => {
    const y = plot.top + 18 + i * 18;
    parts.push(
      `<line x1="${lx}" y1="${y}" x2="${lx + 28}" y2="${y}" stroke="${colour}" stroke-width="1.8"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`,
      `<text x="${lx + 34}" y="${y}" ${FONT} font-size="12" dominant-baseline="middle">${label}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** 241 points of the fitted curve over the fit's x range, smoother than the samples. */
function fitCurve(fit: Extract<GaussianFit, { ok: true }>): [number, number][] {
  const n = 240;
  const out: [number, number][] = [];
  for (let i = 0; i <= n; i++) {
    const x = fit.x_min + ((fit.x_max - fit.x_min) * i) / n;
    out.push([x, gaussian1d(x, fit.a, fit.mu, fit.sigma, fit.c)]);
  }
  return out;
}

/** An axis range padded by `pad` of its span, with "nice" ticks (1, 2 or 5 × 10^k apart, 4–9 of them). */
function niceRange(
  lo: number,
  hi: number,
  pad: number,
): { lo: number; hi: number; step: number; ticks: number[] } {
  if (!(hi > lo)) {
    const half = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
    lo -= half;
    hi += half;
  }
  const span = hi - lo;
  lo -= pad * span;
  hi += pad * span;
  const raw = (hi - lo) / 6;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(t);
  return { lo, hi, step, ticks };
}

/** A tick label with just enough decimals for the step (no "0.30000000000000004"). */
function formatTick(value: number, step: number): string {
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const text = value.toFixed(Math.min(decimals, 10));
  return text === '-0' || /^-0\.0*$/.test(text) ? text.slice(1) : text;
}

/** [min, max] of the values, or the fallbacks when there are none (a loop: spreading 10⁵ values would overflow the stack). */
function extent(values: number[], emptyLo: number, emptyHi: number): [number, number] {
  if (values.length === 0) return [emptyLo, emptyHi];
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** Splits text into lines of at most `max` characters at spaces. */
function wrap(text: string, max: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line.length > 0 && line.length + 1 + word.length > max) {
      lines.push(line);
      line = word;
    } else line = line.length > 0 ? `${line} ${word}` : word;
  }
  if (line.length > 0) lines.push(line);
  return lines;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
