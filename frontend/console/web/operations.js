// The operations stream, newest first: every call that reached a worker and every safety event
// (approvals, stop, lock, resume). Only the newest MAX_ROWS rows that pass the filters are in the
// DOM, and rows are components that re-render only when their op changes; OperationsStream
// below keeps bursts of hundreds of ops a second cheap.
import { Component } from 'preact';
import { useCallback, useRef, useState } from 'preact/hooks';
import { html } from './html.js';
import { clock, compact, duration, pretty, truncate } from './format.js';

const MAX_ROWS = 300;
/** Rows shown during a burst: more than a screenful, but far fewer rows built per second. */
const BURST_ROWS = 60;
const COLUMNS = 10;

const OUTCOME_TEXT = { ok: 'ok', error: 'error', started: 'running…' };

class OpRow extends Component {
  shouldComponentUpdate(next) {
    return next.op !== this.props.op || next.expanded !== this.props.expanded;
  }

  render({ entryKey, op, expanded, onToggle }) {
    const sent = Array.isArray(op.write?.sent) ? op.write.sent.join(' | ') : '';
    const approval = op.write?.approval;
    const outcome = op.outcome in OUTCOME_TEXT ? op.outcome : 'unknown';
    const queued = op.queued_ms > 50 ? ` +${duration(op.queued_ms)} queued` : '';
    return html` <tr
        data-testid="op-row"
        data-method=${op.method}
        data-outcome=${op.outcome}
        class=${`op o-${outcome} ${op.write ? 'is-write' : ''} ${expanded ? 'expanded' : ''}`}
        onClick=${() => {
          // Selecting text to copy it is not a request to expand the row.
          if (!window.getSelection()?.isCollapsed) return;
          onToggle(entryKey);
        }}
      >
        <td class="time mono">${clock(op.time, { ms: true })}</td>
        <td class="worker">${op.worker}</td>
        <td class="client" title=${op.client ?? ''}>${truncate(op.client ?? '', 28)}</td>
        <td class="method mono" title=${op.method}>${op.method}</td>
        <td class="device" title=${op.device ?? ''}>${op.device ?? ''}</td>
        <td class="params mono">${compact(op.params, 90)}</td>
        <td class="outcome" title=${op.code ?? ''}>
          <span class=${`badge b-${outcome}`}
            >${op.outcome === 'error' ? op.code || 'error' : (OUTCOME_TEXT[outcome] ?? op.outcome)}</span
          >
          ${op.after_timeout ? html` <span class="badge b-late" title="The client had already been told TIMEOUT; this is how the call really ended">late</span>` : null}
        </td>
        <td class="duration mono">
          ${op.outcome === 'started' ? '' : duration(op.duration_ms)}${queued ? html`<span class="queued">${queued}</span>` : null}
        </td>
        <td class="wire mono" title=${[sent, op.error].filter(Boolean).join('\n')}>
          ${/* CSS cuts the cell with an ellipsis; the text stays whole for find-in-page and copy. */ ''}
          ${sent ? truncate(sent, 4000) : null}
          ${op.outcome === 'error' && op.error ? html`<span class="error-text">${sent ? ' — ' : ''}${truncate(op.error, 4000)}</span>` : null}
        </td>
        <td
          class="approval-id mono"
          title=${approval ? `approved by ${approval.by ?? '?'} via ${approval.via ?? '?'}` : ''}
        >
          ${approval ? `#${approval.id}` : ''}
        </td>
      </tr>
      ${
        expanded
          ? html`<tr class="details">
              <td colspan=${COLUMNS}><${OpDetails} op=${op} /></td>
            </tr>`
          : null
      }`;
  }
}

function OpDetails({ op }) {
  const { params, write, result, result_bytes, error, code, queued_ms, client, resource, id } = op;
  const rows = [
    ['id', id],
    ['client', client],
    ['resource', resource],
    ['queued', queued_ms != null ? duration(queued_ms) : null],
    ['error', error ? `${code ?? ''} ${error}` : null],
  ].filter(([, v]) => v != null && v !== '');
  return html`<div class="op-details">
    <dl>
      ${rows.map(
        ([k, v]) =>
          html`<dt>${k}</dt>
            <dd>${v}</dd>`,
      )}
    </dl>
    <div class="blocks">
      <div>
        <h4>params</h4>
        <pre>${pretty(params)}</pre>
      </div>
      ${
        write
          ? html`<div>
              <h4>write</h4>
              <pre>${pretty(write)}</pre>
            </div>`
          : null
      }
      ${
        result !== undefined
          ? html`<div>
              <h4>result</h4>
              <pre>${pretty(result)}</pre>
            </div>`
          : result_bytes != null
            ? html`<div>
                <h4>result</h4>
                <p class="muted">${result_bytes} bytes, not sent to the console</p>
              </div>`
            : null
      }
    </div>
  </div>`;
}

const AUDIT_TEXT = {
  approval_requested: 'Approval asked',
  approval_approved: 'Approved',
  approval_denied: 'Denied',
  approval_expired: 'Approval expired',
  approval_cancelled: 'Approval cancelled',
  stop: 'STOP',
  lock: 'LOCK',
  resume: 'RESUME',
};

class AuditRow extends Component {
  shouldComponentUpdate(next) {
    return next.ev !== this.props.ev;
  }

  render({ ev }) {
    const a = ev.approval;
    const who = [ev.by ? `by ${ev.by}` : '', ev.via ? `via ${ev.via}` : '']
      .filter(Boolean)
      .join(' ');
    const what = a ? a.summary || `${a.method} ${compact(a.params, 80)}` : '';
    return html`<tr data-testid="audit-row" data-event=${ev.event} class=${`audit e-${ev.event}`}>
      <td class="time mono">${clock(ev.time, { ms: true })}</td>
      <td class="worker">${ev.worker}</td>
      <td colspan=${COLUMNS - 2}>
        <span class="event">${AUDIT_TEXT[ev.event] ?? ev.event}</span>
        ${who ? html` <span class="who">${who}</span>` : null}
        ${ev.reason ? html`: <span class="reason">${ev.reason}</span>` : null}
        ${what ? html` — <span class="what">${what}</span>` : null}
        ${a ? html` <span class="mono muted">#${a.id}</span>` : null}
      </td>
    </tr>`;
  }
}

const LAB_EVENTS = new Set(['stop', 'lock', 'resume']);

function passes(entry, device, outcome) {
  if (entry.kind === 'audit') {
    // Safety events are not outcomes; a stop or lock concerns every device, so it stays visible
    // under a device filter.
    if (outcome !== 'all') return false;
    return !device || LAB_EVENTS.has(entry.ev.event) || entry.ev.approval?.device === device;
  }
  return (
    (!device || entry.op.device === device) && (outcome === 'all' || entry.op.outcome === outcome)
  );
}

/** Stream changes per second above which it is a burst, and below which the burst is over. */
const BURST_ENTER_PER_S = 250;
const BURST_LEAVE_PER_S = 100;
/** During a burst the stream refreshes at most this often. */
const BURST_REFRESH_MS = 500;

/**
 * Gates the stream's re-renders. At a few ops a second every flush shows at once. In a burst of
 * hundreds a second nobody can read the rows, and building them is most of the page's work
 * (profiled: style and layout of the new rows), so the stream then refreshes twice a second and
 * shows only the newest BURST_ROWS, while the rest of the page, the Stop button included, stays
 * at full speed. The rate has hysteresis so the list does not flip between 60 and 300 rows.
 * Pause freezes a full MAX_ROWS to read.
 */
export class OperationsStream extends Component {
  constructor(props) {
    super(props);
    this.shownRev = null;
    this.shownSnapshots = 0;
    this.shownDevices = null;
    this.shownAt = 0;
    this.burst = false;
    this.timer = null;
  }

  shouldComponentUpdate({ store }) {
    if (store.devices !== this.shownDevices) return true; // the device filter's options
    if (store.streamRev === this.shownRev) return false;
    const wait = this.shownAt + BURST_REFRESH_MS - performance.now();
    if (this.burst && wait > 0) {
      this.schedule(wait);
      return false;
    }
    return true;
  }

  schedule(ms) {
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.forceUpdate();
    }, ms);
  }

  componentWillUnmount() {
    clearTimeout(this.timer);
  }

  render({ store }) {
    const now = performance.now();
    // A snapshot brings up to a thousand ops at once; that is history, not a burst.
    const snapshot = store.snapshots !== this.shownSnapshots;
    this.shownSnapshots = store.snapshots;
    if (snapshot) this.burst = false;
    else if (this.shownRev !== null) {
      const rate = ((store.streamRev - this.shownRev) * 1000) / Math.max(1, now - this.shownAt);
      this.burst = rate > (this.burst ? BURST_LEAVE_PER_S : BURST_ENTER_PER_S);
    }
    this.shownRev = store.streamRev;
    this.shownDevices = store.devices;
    this.shownAt = now;
    // A burst that simply stops sends nothing more: look again, so the full list comes back.
    if (this.burst) this.schedule(BURST_REFRESH_MS);
    return html`<${Operations} store=${store} burst=${this.burst} />`;
  }
}

function Operations({ store, burst }) {
  const [device, setDevice] = useState('');
  const [outcome, setOutcome] = useState('all');
  const [paused, setPaused] = useState(false);
  const [expanded, setExpanded] = useState(() => new Set());
  const frozen = useRef(null);

  const toggle = useCallback((key) => {
    setExpanded((prev) => {
      const next = new Set(prev);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });
  }, []);

  let rows;
  let matched = 0;
  let newer = 0;
  if (
    paused &&
    frozen.current &&
    frozen.current.device === device &&
    frozen.current.outcome === outcome
  ) {
    rows = frozen.current.rows;
    matched = frozen.current.matched;
    newer = store.seq - frozen.current.seq;
  } else {
    rows = [];
    const limit = burst && !paused ? BURST_ROWS : MAX_ROWS;
    const { entries } = store;
    for (let i = entries.length - 1; i >= 0; i--) {
      if (!passes(entries[i], device, outcome)) continue;
      matched++;
      if (rows.length < limit) rows.push(entries[i]);
    }
    // Pausing freezes the rows (not their content: an op that ends still shows its ending).
    frozen.current = paused ? { rows, matched, device, outcome, seq: store.seq } : null;
  }

  const devices = [...new Set([...store.devices.map((d) => d.name), ...store.opDevices])].sort();

  return html`<section class="panel ops-panel">
    <h2>
      Operations
      <span class="filters">
        <label
          >device
          <select
            value=${device}
            onChange=${(e) => setDevice(e.currentTarget.value)}
            data-testid="filter-device"
          >
            <option value="">all devices</option>
            ${devices.map((d) => html`<option key=${d} value=${d}>${d}</option>`)}
          </select>
        </label>
        <label
          >outcome
          <select
            value=${outcome}
            onChange=${(e) => setOutcome(e.currentTarget.value)}
            data-testid="filter-outcome"
          >
            <option value="all">all</option>
            <option value="ok">ok</option>
            <option value="error">error</option>
          </select>
        </label>
        <button
          class=${`pause ${paused ? 'on' : ''}`}
          onClick=${() => setPaused(!paused)}
          title="Freeze the list to read it; new operations are still received"
        >
          ${paused ? 'Show live' : 'Pause'}
        </button>
        <span class="muted">
          ${paused && newer > 0 ? html`<b>${newer} newer not shown</b> · ` : null}
          ${burst && !paused ? html`<b title="Hundreds of operations a second: the list refreshes twice a second and shows fewer rows. Pause to read.">burst</b> · ` : null}
          ${matched > rows.length ? `newest ${rows.length} of ${matched}` : `${matched}`} shown ·
          ${store.entries.length} kept
        </span>
      </span>
    </h2>
    <div class="ops-scroll" data-testid="ops">
      <table class="ops">
        <colgroup>
          <col class="c-time" />
          <col class="c-worker" />
          <col class="c-client" />
          <col class="c-method" />
          <col class="c-device" />
          <col class="c-params" />
          <col class="c-outcome" />
          <col class="c-duration" />
          <col class="c-wire" />
          <col class="c-approval" />
        </colgroup>
        <thead>
          <tr>
            <th>time</th>
            <th>worker</th>
            <th>client</th>
            <th>tool</th>
            <th>device</th>
            <th>params</th>
            <th>outcome</th>
            <th title="duration">took</th>
            <th>on the wire / error</th>
            <th title="the approval the write ran under">approval</th>
          </tr>
        </thead>
        <tbody>
          ${rows.map((e) =>
            e.kind === 'op'
              ? html`<${OpRow}
                  key=${e.key}
                  entryKey=${e.key}
                  op=${e.op}
                  expanded=${expanded.has(e.key)}
                  onToggle=${toggle}
                />`
              : html`<${AuditRow} key=${e.key} ev=${e.ev} />`,
          )}
        </tbody>
      </table>
      ${rows.length === 0 ? html`<p class="empty">No operations${device || outcome !== 'all' ? ' match the filters' : ' yet'}.</p>` : null}
    </div>
  </section>`;
}
