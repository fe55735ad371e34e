// Formatting for a person reading fast: local clock times, short durations, compact parameters.

const pad = (n, width = 2) => String(n).padStart(width, '0');

// Today's date, recomputed at most once a second: clock() runs for every row of every render.
let today = { at: 0, text: '' };
function todayText() {
  const now = Date.now();
  if (now - today.at > 1000) today = { at: now, text: new Date(now).toDateString() };
  return today.text;
}

/** Local wall-clock time; the date is added only when it is not today (history from the log). */
export function clock(time, { ms = false } = {}) {
  const d = new Date(time);
  if (Number.isNaN(d.getTime())) return '—';
  const hms =
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}` +
    (ms ? `.${pad(d.getMilliseconds(), 3)}` : '');
  if (d.toDateString() === todayText()) return hms;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${hms}`;
}

/** A ticking age or countdown: whole seconds, so it does not flicker. */
export function age(ms) {
  if (ms == null || !Number.isFinite(ms)) return '—';
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${pad(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${pad(Math.floor(s / 60) % 60)} min`;
}

/** An operation's duration: milliseconds while they matter, then seconds. */
export function duration(ms) {
  if (ms == null || !Number.isFinite(ms)) return '';
  if (ms < 1) return '<1 ms';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
  return age(ms);
}

/** Six significant digits, no float noise (0.30000000000000004), exponent only when needed. */
export function num(v) {
  if (typeof v !== 'number' || !Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e7) return String(Number(v.toPrecision(6)));
  return v.toExponential(3).replace(/\.?0+e/, 'e');
}

export function scalar(v) {
  if (typeof v === 'number') return num(v);
  if (typeof v === 'string') return v;
  return JSON.stringify(v) ?? String(v);
}

export function truncate(s, max) {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** `channel=P25V voltage=15`: the parameters of a call, readable in one table cell. */
export function compact(value, max = 160) {
  if (value == null) return '';
  if (typeof value !== 'object') return truncate(scalar(value), max);
  if (Array.isArray(value)) return truncate(JSON.stringify(value), max);
  let out = '';
  for (const [k, v] of Object.entries(value)) {
    const text = v !== null && typeof v === 'object' ? JSON.stringify(v) : scalar(v);
    out += `${out ? ' ' : ''}${k}=${text}`;
    if (out.length > max) break; // a huge parameter object must not cost a full stringify per row
  }
  return truncate(out, max);
}

/** Pretty JSON for the expanded view, capped so a large result cannot freeze the page. */
export function pretty(value, max = 20000) {
  let text;
  try {
    text = JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    text = String(value);
  }
  return truncate(text, max);
}

export function basename(path) {
  return String(path).split(/[\\/]/).pop();
}

export function bytes(n) {
  if (typeof n !== 'number') return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
