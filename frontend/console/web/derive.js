// Pure functions that turn the server's records into what the page shows: the value an op read
// or set, the files it produced, the plots' points. Kept apart from the store so the rules for
// reading a result are in one place.
import { basename, compact, scalar } from './format.js';

export const opKey = (worker, id) => `${worker}\u0000${id}`;
export const deviceKey = (worker, device) => `${worker}\u0000${device}`;
export const approvalKey = (a) => `${a.worker}\u0000${a.id}`;

const isScalar = (v) => typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean';
const isRecord = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * What an ok op says about its device's present state: a scalar result, a `{value, units}`
 * result (attribute getters and setters, the setter's being the read-back), or failing those
 * what a write applied. `number` is set only for finite numbers, the ones worth plotting.
 */
export function deviceValue(op) {
  if (op.outcome !== 'ok') return null;
  const r = op.result;
  let text = null;
  let number = null;
  let units = null;
  if (isScalar(r)) {
    text = scalar(r);
    if (typeof r === 'number' && Number.isFinite(r)) number = r;
  } else if (isRecord(r) && isScalar(r.value)) {
    units = typeof r.units === 'string' && r.units ? r.units : null;
    text = scalar(r.value) + (units ? ` ${units}` : '');
    if (typeof r.value === 'number' && Number.isFinite(r.value)) number = r.value;
  } else if (isRecord(op.write?.applied) && Object.keys(op.write.applied).length) {
    text = compact(op.write.applied, 80);
  } else if (isRecord(r) && Object.values(r).every(isScalar) && Object.keys(r).length <= 6) {
    // A small record of settings (a supply's channel, voltage and limit read back) says the
    // device's state as well as one value would.
    text = compact(r, 80);
  }
  if (text === null) return null;
  return { text, number, units, set: Boolean(op.write), method: op.method, time: op.time };
}

/**
 * The files an op's result names: every string under a key ending in `_path` (nested too:
 * acquire_image keeps metadata_path in image_info), and the `path` of an artifact-encoded binary
 * result (the spectrometers' `{encoding: 'artifact', path}`). Deduplicated: raw_data_path and
 * array_path name the same .npy.
 */
export function artifactFiles(result) {
  const files = [];
  const seen = new Set();
  const walk = (v, depth) => {
    if (v === null || typeof v !== 'object' || depth > 3 || files.length >= 40) return;
    if (Array.isArray(v)) {
      for (const item of v.slice(0, 50)) walk(item, depth + 1);
      return;
    }
    for (const [k, x] of Object.entries(v)) {
      if (typeof x === 'string') {
        const named = k.endsWith('_path') || (k === 'path' && v.encoding === 'artifact');
        if (named && x && !seen.has(x)) {
          seen.add(x);
          const name = basename(x);
          const dot = name.lastIndexOf('.');
          files.push({
            key: k,
            path: x,
            name,
            ext: dot > 0 ? name.slice(dot + 1).toLowerCase() : '',
          });
        }
      } else if (k !== 'mcp_images') {
        walk(x, depth + 1);
      }
    }
  };
  walk(result, 0);
  return files;
}

/** Which "latest" tile an op's PNG belongs in. */
export function pngCategory(method) {
  if (/line_scan/i.test(method)) return 'profile';
  if (/spectrum|EDS_acquire|EELS_acquire/i.test(method)) return 'spectrum';
  return 'image';
}

/** The op's main PNG: img_path first (the image), then a plot, then any PNG. */
export function mainPng(files) {
  const pngs = files.filter((f) => f.ext === 'png');
  return (
    pngs.find((f) => f.key === 'img_path') ??
    pngs.find((f) => f.key === 'plot_path') ??
    pngs[0] ??
    null
  );
}

export function artifactUrl(worker, path, { download = false } = {}) {
  const q = `worker=${encodeURIComponent(worker)}&path=${encodeURIComponent(path)}`;
  return `/console/artifact?${q}${download ? '&download=1' : ''}`;
}

/** A focusing run's sweep, when the op is an autofocus that returned its steps. */
export function autofocusRun(op) {
  const r = op.result;
  if (
    op.outcome !== 'ok' ||
    !/autofocus/i.test(op.method) ||
    !isRecord(r) ||
    !Array.isArray(r.steps)
  ) {
    return null;
  }
  const steps = r.steps
    .filter((s) => isRecord(s) && typeof s.value === 'number')
    .map((s) => ({
      value: s.value,
      score: typeof s.score === 'number' ? s.score : null,
      note: s.note,
    }))
    .sort((a, b) => a.value - b.value); // uPlot needs ascending x
  return {
    parameter: typeof r.parameter === 'string' ? r.parameter : 'value',
    metric: typeof r.metric === 'string' ? r.metric : 'score',
    best_value: typeof r.best_value === 'number' ? r.best_value : null,
    best_score: typeof r.best_score === 'number' ? r.best_score : null,
    message: typeof r.message === 'string' ? r.message : '',
    steps,
  };
}

/** The fitted FWHM of a line scan (only when the worker was asked to return the fit). */
export function lineScanFwhm(op) {
  const r = op.result;
  if (op.outcome !== 'ok' || !/line_scan/i.test(op.method) || !isRecord(r)) return null;
  return typeof r.fwhm === 'number' && Number.isFinite(r.fwhm) ? r.fwhm : null;
}

/** Time in seconds for uPlot, from the op's ISO time (arrival time if it cannot be read). */
export function seconds(iso) {
  const t = Date.parse(iso);
  return (Number.isFinite(t) ? t : Date.now()) / 1000;
}
