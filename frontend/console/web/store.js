// The page's state: what the server told us, kept current event by event, and what is derived
// from it (devices' last values, artifacts, plot series) updated incrementally as each op
// arrives, so a render never rescans history. Events may come at hundreds per second: they only
// mutate state here, and listeners are told at most every FLUSH_MS.
import {
  approvalKey,
  artifactFiles,
  autofocusRun,
  deviceKey,
  deviceValue,
  lineScanFwhm,
  mainPng,
  opKey,
  pngCategory,
  seconds,
} from './derive.js';

/** Ops and safety events kept in memory (the DOM shows far fewer). */
const MAX_ENTRIES = 5000;
/** Trimming in chunks keeps the front-of-array splice off the per-event path. */
const TRIM_SLACK = 250;
const MAX_ARTIFACT_OPS = 300;
const MAX_SERIES_POINTS = 2000;
const MAX_FWHM_POINTS = 2000;
const MAX_AUTOFOCUS_RUNS = 50;
/** ~5 renders a second at most, whatever the event rate. */
export const FLUSH_MS = 200;

export class Store {
  constructor() {
    this.listeners = new Set();
    this.version = 0;
    this.timer = null;
    this.lastFlush = 0;
    /** Called after a flush with how many approvals became pending since the previous one. */
    this.onNewApprovals = null;
    this.connection = { state: 'connecting', since: Date.now(), note: '' };
    this.snapshots = 0;
    // Approvals ever seen pending or decided, across snapshots: a chime is for a new request,
    // not for one the page already showed before a reconnect.
    this.seenApprovals = new Set();
    this.decidedApprovals = new Set();
    this.newApprovals = 0;
    this.clear();
  }

  clear() {
    this.workers = [];
    this.devices = [];
    /** worker name → LabState, from `lab` events and the workers' heartbeat list. */
    this.labs = new Map();
    /** Pending approvals only, by worker+id. */
    this.approvals = new Map();
    /** The stream, oldest first: {kind: 'op', key, seq, op} | {kind: 'audit', key, seq, ev, t}. */
    this.entries = [];
    this.index = new Map();
    this.seq = 0;
    /** Bumps whenever the stream changes (a new entry or an op's ending), for the stream's gate. */
    this.streamRev = (this.streamRev ?? 0) + 1; // never repeats across a snapshot
    /** Devices named by ops, which the devices list may not have (a device since removed). */
    this.opDevices = new Set();
    /** worker+device → the last value read or set. */
    this.lastValues = new Map();
    /** Ops that produced files, oldest first: {key, worker, time, method, device, files, png}. */
    this.artifacts = [];
    this.latest = { image: null, profile: null, spectrum: null };
    /** worker/device/method → {key, label, units, xs, ys, updated, rev}. */
    this.series = new Map();
    this.fwhm = { xs: [], ys: [], rev: 0 };
    this.autofocusRuns = [];
    this.derivedRev = 0;
  }

  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Coalesces: the first change after a quiet spell is shown at once, the rest ride along. */
  changed() {
    if (this.timer !== null) return;
    const wait = Math.max(0, this.lastFlush + FLUSH_MS - performance.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  flush() {
    this.timer = null;
    this.lastFlush = performance.now();
    this.version++;
    const fresh = this.newApprovals;
    this.newApprovals = 0;
    for (const fn of this.listeners) fn(this.version);
    if (fresh && this.onNewApprovals) this.onNewApprovals(fresh);
  }

  setConnection(state, note = '') {
    if (this.connection.state === state && this.connection.note === note) return;
    this.connection = { state, since: Date.now(), note };
    this.changed();
  }

  // --- server events -------------------------------------------------------------------------

  snapshot(s) {
    // The snapshot carries no audit events: keep the safety rows this page already received, so
    // a reconnect does not erase the stop or the approvals a person just watched happen.
    const carried = this.entries.filter((e) => e.kind === 'audit').map((e) => e.ev);
    const first = this.snapshots === 0;
    this.clear();
    this.snapshots++;
    this.setWorkers(Array.isArray(s?.workers) ? s.workers : []);
    this.devices = Array.isArray(s?.devices) ? s.devices : [];
    for (const op of Array.isArray(s?.operations) ? s.operations : []) this.addOperation(op);
    const audits = [...carried, ...(Array.isArray(s?.audit_events) ? s.audit_events : [])];
    for (const ev of audits) this.addAudit(ev, { sorted: true });
    for (const a of Array.isArray(s?.approvals) ? s.approvals : []) {
      // Requests already waiting when the page opens are listed silently; after a reconnect,
      // ones that arrived while we were away are new to the person and chime.
      this.setApproval(a, { chime: !first });
    }
    this.trim();
    this.changed();
  }

  operation(op) {
    this.addOperation(op);
    this.trim();
    this.changed();
  }

  audit(ev) {
    this.addAudit(ev, { sorted: false });
    if (ev?.approval) this.setApproval(ev.approval, { chime: true });
    this.trim();
    this.changed();
  }

  approval(a) {
    this.setApproval(a, { chime: true });
    this.changed();
  }

  lab(msg) {
    if (msg?.worker && msg.lab) this.labs.set(msg.worker, msg.lab);
    this.changed();
  }

  workersUpdate(list) {
    if (Array.isArray(list)) this.setWorkers(list);
    this.changed();
  }

  devicesUpdate(list) {
    if (Array.isArray(list)) this.devices = list;
    this.changed();
  }

  // --- internals -----------------------------------------------------------------------------

  setWorkers(list) {
    this.workers = list;
    // A worker that is down reports lab null: keep its last known state rather than forget it.
    for (const w of list) if (w?.lab) this.labs.set(w.name, w.lab);
  }

  addOperation(op) {
    if (!op || typeof op !== 'object') return;
    const key = opKey(op.worker, op.id);
    const existing = this.index.get(key);
    if (existing) {
      // The ending of a 'started' op: same row, new content (a new object, so the row re-renders).
      const wasOpen = existing.op.outcome === 'started';
      existing.op = { ...existing.op, ...op };
      this.streamRev++;
      if (wasOpen) this.derive(existing.op);
      return;
    }
    const entry = { kind: 'op', key, seq: ++this.seq, op };
    this.streamRev++;
    this.entries.push(entry);
    this.index.set(key, entry);
    this.derive(op);
  }

  addAudit(ev, { sorted }) {
    if (!ev || typeof ev !== 'object') return;
    const key = `a\u0000${ev.worker}\u0000${ev.time}\u0000${ev.event}\u0000${ev.approval?.id ?? ''}`;
    if (this.index.has(key)) return;
    const entry = { kind: 'audit', key, seq: ++this.seq, ev, t: Date.parse(ev.time) || 0 };
    this.streamRev++;
    this.index.set(key, entry);
    if (!sorted) {
      this.entries.push(entry);
      return;
    }
    // Carried over a reconnect: put it among the snapshot's ops by time.
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (entryTime(this.entries[mid]) <= entry.t) lo = mid + 1;
      else hi = mid;
    }
    this.entries.splice(lo, 0, entry);
  }

  setApproval(a, { chime }) {
    if (!a || typeof a !== 'object' || a.id == null) return;
    const key = approvalKey(a);
    if (a.status === 'pending') {
      // A decision is final: a late 'pending' copy (an approval_requested event read after the
      // decision) must not bring the card back.
      if (this.decidedApprovals.has(key)) return;
      if (!this.seenApprovals.has(key) && chime) this.newApprovals++;
      this.seenApprovals.add(key);
      this.approvals.set(key, a);
    } else {
      this.seenApprovals.add(key);
      this.decidedApprovals.add(key);
      this.approvals.delete(key);
    }
  }

  trim() {
    if (this.entries.length <= MAX_ENTRIES + TRIM_SLACK) return;
    const dropped = this.entries.splice(0, this.entries.length - MAX_ENTRIES);
    for (const e of dropped) this.index.delete(e.key);
  }

  /** Everything the page derives from an op, done once when it ends. */
  derive(op) {
    if (op.device) this.opDevices.add(op.device);
    if (op.outcome !== 'ok') return;
    this.derivedRev++;
    const x = seconds(op.time);

    const value = deviceValue(op);
    if (value && op.device) this.lastValues.set(deviceKey(op.worker, op.device), value);

    if (value && value.number !== null) {
      const key = `${op.worker}\u0000${op.device ?? ''}\u0000${op.method}`;
      let s = this.series.get(key);
      if (!s) {
        const label = `${op.device ?? op.worker} · ${op.method}`;
        s = {
          key,
          label,
          worker: op.worker,
          units: value.units,
          xs: [],
          ys: [],
          updated: 0,
          rev: 0,
        };
        this.series.set(key, s);
      }
      pushSorted(s.xs, s.ys, x, value.number, MAX_SERIES_POINTS);
      if (value.units) s.units = value.units;
      s.updated = this.seq;
      s.rev++;
    }

    const fwhm = lineScanFwhm(op);
    if (fwhm !== null) {
      pushSorted(this.fwhm.xs, this.fwhm.ys, x, fwhm, MAX_FWHM_POINTS);
      this.fwhm.rev++;
    }

    const run = autofocusRun(op);
    if (run) {
      this.autofocusRuns.push({
        ...run,
        key: opKey(op.worker, op.id),
        worker: op.worker,
        device: op.device,
        time: op.time,
      });
      if (this.autofocusRuns.length > MAX_AUTOFOCUS_RUNS) this.autofocusRuns.shift();
    }

    const files = op.result && typeof op.result === 'object' ? artifactFiles(op.result) : [];
    if (files.length) {
      const item = {
        key: opKey(op.worker, op.id),
        worker: op.worker,
        time: op.time,
        method: op.method,
        device: op.device,
        files,
        png: mainPng(files),
      };
      this.artifacts.push(item);
      if (this.artifacts.length > MAX_ARTIFACT_OPS + 50) this.artifacts.splice(0, 50);
      if (item.png) this.latest[pngCategory(op.method)] = item;
    }
  }
}

function entryTime(e) {
  if (e.kind === 'audit') return e.t;
  if (e.t === undefined) e.t = Date.parse(e.op.time) || 0;
  return e.t;
}

/** Appends a point, keeping x ascending (uPlot needs it; workers' clocks may interleave). */
function pushSorted(xs, ys, x, y, max) {
  let i = xs.length;
  while (i > 0 && xs[i - 1] > x) i--;
  if (i === xs.length) {
    xs.push(x);
    ys.push(y);
  } else {
    xs.splice(i, 0, x);
    ys.splice(i, 0, y);
  }
  if (xs.length > max + 100) {
    xs.splice(0, xs.length - max);
    ys.splice(0, ys.length - max);
  }
}
