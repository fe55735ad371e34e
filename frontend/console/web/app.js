// labrelay supervisor console: the entry point. Wires the live feed into the store, the store into
// the page, and the person's actions to the server.
import { render } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { html } from './html.js';
import { Store } from './store.js';
import { connect } from './connection.js';
import { api, UNKNOWN_PERSON } from './api.js';
import { armAudio, chime } from './chime.js';
import { compact } from './format.js';
import {
  ConnectionIndicator,
  Controls,
  LabBanner,
  Notices,
  PersonName,
  labSituation,
} from './header.js';
import { Approvals } from './approvals.js';
import { OperationsStream } from './operations.js';
import { Devices, Workers } from './devices.js';
import { Artifacts, LatestImages } from './artifacts.js';
import { Plots } from './plots.js';

const TITLE = 'labrelay console';
const NAME_KEY = 'labrelay.console.name';
const DEFAULT_STOP_REASON = 'stopped from the console';

function storedName() {
  try {
    return localStorage.getItem(NAME_KEY) ?? '';
  } catch {
    return ''; // storage disabled: the person types it each visit
  }
}

/** Re-renders the caller every `ms` (ages and countdowns tick without new events). */
function useNow(ms) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

/** The favicon shows the lab's state, so a background tab still says STOPPED. */
const FAVICON_COLOUR = {
  running: '#15803d',
  stopped: '#dc2626',
  locked: '#d97706',
  unknown: '#6b7280',
};
function setFavicon(state) {
  const link = document.querySelector('link[rel="icon"]');
  if (!link) return;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="${FAVICON_COLOUR[state]}"/></svg>`;
  const href = `data:image/svg+xml,${encodeURIComponent(svg)}`;
  if (link.getAttribute('href') !== href) link.setAttribute('href', href);
}

function App({ store }) {
  const [, setVersion] = useState(store.version);
  useEffect(() => store.subscribe(setVersion), [store]);
  const now = useNow(1000);

  const [name, setNameState] = useState(storedName);
  const setName = useCallback((value) => {
    setNameState(value);
    try {
      localStorage.setItem(NAME_KEY, value.trim());
    } catch {
      // not remembered; still used for this visit
    }
  }, []);
  const person = name.trim();

  const [notices, setNotices] = useState([]);
  const notify = useCallback((kind, text) => {
    const id = Math.random().toString(36).slice(2);
    setNotices((list) => [...list.slice(-4), { id, kind, text, at: Date.now() }]);
    // Errors stay until dismissed: a failed stop must not vanish unread.
    if (kind !== 'error')
      setTimeout(() => setNotices((list) => list.filter((n) => n.id !== id)), 8000);
  }, []);
  const dismiss = useCallback((id) => setNotices((list) => list.filter((n) => n.id !== id)), []);

  const [busy, setBusy] = useState({ stop: false, lock: false, resume: false });
  const act = async (what, label, fn) => {
    setBusy((b) => ({ ...b, [what]: true }));
    try {
      const result = await fn();
      const said = typeof result === 'string' ? result : compact(result, 200);
      notify('ok', `${label}${result != null && result !== true ? `: ${said}` : ''}`);
    } catch (err) {
      notify('error', `${label} failed: ${err.message}`);
    } finally {
      setBusy((b) => ({ ...b, [what]: false }));
    }
  };

  const onStop = () => {
    const reason = window.prompt(
      'Stop all: cancel every running and queued operation, put every device in its safe state, ' +
        'and refuse writes until someone resumes.\n\nReason:',
      DEFAULT_STOP_REASON,
    );
    if (reason === null) return; // Cancel means "don't stop"; an empty reason still stops
    act('stop', 'Stopped', async () =>
      stopSummary(await api.stop(reason.trim() || DEFAULT_STOP_REASON, person || UNKNOWN_PERSON)),
    );
  };
  const onLock = () => {
    if (!person) return;
    const reason = window.prompt(
      'Lock the lab: agent writes are held (LAB_LOCKED); nothing running is stopped.\n\nReason (required):',
      '',
    );
    if (reason === null) return;
    if (!reason.trim()) {
      notify('error', 'Not locked: a lock needs a reason, so others know why and when to resume.');
      return;
    }
    act('lock', 'Lock sent', () => api.lock(reason.trim(), person));
  };
  const onResume = () => {
    if (!person) return;
    act('resume', 'Resume sent', () => api.resume(person));
  };

  // Per-approval button state, by worker+id: which decision is in flight, or what went wrong.
  const [decisions, setDecisions] = useState(() => new Map());
  const setDecision = (key, value) =>
    setDecisions((m) => {
      const next = new Map(m);
      if (value) next.set(key, value);
      else next.delete(key);
      return next;
    });
  const onDecide = async (a, decision) => {
    if (!person) return;
    const key = `${a.worker}\u0000${a.id}`;
    setDecision(key, { busy: decision });
    try {
      await api.decide(a.worker, a.id, decision, person);
      // The card leaves when the worker's `approval` event says it was decided, not before:
      // what the page shows is what the worker holds.
      setDecision(key, null);
    } catch (err) {
      setDecision(key, { error: err.message });
    }
  };

  const situation = labSituation(store);
  const pending = store.approvals.size;
  useEffect(() => {
    document.title = pending ? `(${pending}) ${TITLE}` : TITLE;
  }, [pending]);
  useEffect(() => setFavicon(situation.overall), [situation.overall]);

  const offline = store.connection.state !== 'live';
  return html` <header class="top">
      <div class="brand">labrelay <span>console</span></div>
      <${LabBanner} store=${store} />
      <${Controls}
        name=${person}
        busy=${busy}
        onStop=${onStop}
        onLock=${onLock}
        onResume=${onResume}
      />
      <div class="who-and-link">
        <${PersonName} name=${name} onChange=${setName} />
        ${person ? null : html`<div class="name-hint">needed to approve, deny, lock or resume (it is recorded); Stop all always works</div>`}
      </div>
      <${ConnectionIndicator} connection=${store.connection} now=${now} />
    </header>
    <${Notices} notices=${notices} onDismiss=${dismiss} />
    ${
      offline && store.snapshots > 0
        ? html`<div class="offline">
            Not receiving live data${store.connection.note ? ` (${store.connection.note})` : ''}:
            what you see may be out of date. The controls still work.
          </div>`
        : null
    }
    <main class=${offline ? 'stale' : ''}>
      <${Approvals}
        store=${store}
        now=${now}
        name=${person}
        decisions=${decisions}
        onDecide=${onDecide}
      />
      <div class="columns">
        <div class="main-column">
          <${Devices} store=${store} />
          <${OperationsStream} store=${store} />
        </div>
        <aside class="side">
          <${Workers} store=${store} />
          <${LatestImages} store=${store} />
          <${Plots} store=${store} />
          <${Artifacts} store=${store} />
        </aside>
      </div>
    </main>`;
}

const store = new Store();
store.onNewApprovals = () => chime();
armAudio();
connect(store);
const root = document.getElementById('app');
root.textContent = ''; // the "loading" line
render(html`<${App} store=${store} />`, root);

/**
 * What a stop did, per worker, in words: how many operations it cancelled and each device's safe
 * state — a device that did not reach it is the line a person must see.
 */
function stopSummary(results) {
  if (!Array.isArray(results)) return results;
  return results
    .map((w) => {
      if (!w.ok) return `${w.worker}: FAILED ${w.error ?? ''}`;
      const r = w.result ?? {};
      const safe = (r.safe_states ?? []).map((s) =>
        s.ok ? `${s.device} ${s.actions.join(', ')}` : `${s.device} NOT SAFE: ${s.error}`,
      );
      return (
        `${w.worker}: ${(r.cancelled ?? []).length} operation(s) cancelled` +
        (safe.length ? `; ${safe.join('; ')}` : '')
      );
    })
    .join(' · ');
}
