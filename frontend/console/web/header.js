// The header: what state the lab is in, the controls that change it, who is at the console, and
// whether what the page shows is live.
import { html } from './html.js';
import { age, clock } from './format.js';

const STATE_WORD = { running: 'RUNNING', stopped: 'STOPPED', locked: 'LOCKED' };
// The banner's colour comes from the most serious known state; a down worker's unknown state is
// listed but does not hide that the others are running.
const SEVERITY = { stopped: 3, locked: 2, running: 1, unknown: 0 };

/**
 * One line per distinct situation: stop_all reaches every worker, so "STOPPED by Ana at 14:02:
 * reason" is said once for all of them, not repeated per worker.
 */
export function labSituation(store) {
  const names = [...new Set([...store.workers.map((w) => w.name), ...store.labs.keys()])];
  const workers = new Map(store.workers.map((w) => [w.name, w]));
  const groups = new Map();
  for (const name of names) {
    const lab = store.labs.get(name) ?? null;
    const down = workers.get(name)?.state === 'down';
    const state = lab && STATE_WORD[lab.state] ? lab.state : 'unknown';
    const key =
      state === 'running'
        ? `running|${lab.writes}|${down}`
        : state === 'unknown'
          ? `unknown|${down}`
          : `${state}|${lab.by}|${lab.via}|${lab.reason}|${lab.since}|${down}`;
    if (!groups.has(key)) groups.set(key, { state, lab, down, workers: [] });
    groups.get(key).workers.push(name);
  }
  const lines = [...groups.values()].sort((a, b) => SEVERITY[b.state] - SEVERITY[a.state]);
  const overall = lines.length ? lines[0].state : 'unknown';
  return { overall, lines, count: names.length };
}

function SituationLine({ line, total }) {
  const { state, lab, down, workers } = line;
  const who = workers.length === total && total > 1 ? `all ${total} workers` : workers.join(', ');
  const word = state === 'unknown' ? 'UNKNOWN' : STATE_WORD[state];
  let detail;
  if (state === 'running') {
    detail =
      lab.writes === 'approve'
        ? 'every write needs a person'
        : lab.writes === 'deny'
          ? 'read-only: writes refused'
          : 'writes allowed within the policy';
  } else if (state === 'unknown') {
    detail = down ? 'worker down, state not known' : 'no state reported yet';
  } else {
    const by = lab.by ? ` by ${lab.by}` : '';
    const via = lab.via ? ` via ${lab.via}` : '';
    const at = lab.since ? ` at ${clock(lab.since)}` : '';
    detail = `${by}${at}${via}${lab.reason ? `: ${lab.reason}` : ''}`;
  }
  return html`<div class=${`situation s-${state}`}>
    <span class="word">${word}</span>
    <span class="detail">${detail}</span>
    <span class="who">${who}${down && state !== 'unknown' ? ' (down: last known)' : ''}</span>
  </div>`;
}

export function LabBanner({ store }) {
  const s = labSituation(store);
  return html`<div
    class=${`lab-banner lab-${s.overall}`}
    data-testid="lab-state"
    data-state=${s.overall}
  >
    ${
      s.lines.length
        ? s.lines.map(
            (line) =>
              html`<${SituationLine} key=${line.workers.join()} line=${line} total=${s.count} />`,
          )
        : html`<div class="situation s-unknown">
            <span class="word">UNKNOWN</span><span class="detail">no worker has reported yet</span>
          </div>`
    }
  </div>`;
}

const CONNECTION_TEXT = {
  connecting: 'connecting…',
  live: 'live',
  stalled: 'no data',
  reconnecting: 'reconnecting…',
};

export function ConnectionIndicator({ connection, now }) {
  const { state, since, note } = connection;
  const text =
    state === 'stalled' || state === 'reconnecting'
      ? `${CONNECTION_TEXT[state]} ${age(now - since)}`
      : CONNECTION_TEXT[state];
  return html`<div
    class=${`connection c-${state}`}
    data-testid="connection"
    data-state=${state}
    title=${note || ''}
  >
    <span class="dot"></span>${text}
  </div>`;
}

export function PersonName({ name, onChange }) {
  return html`<label class=${`person ${name ? '' : 'missing'}`}>
    <span>Your name</span>
    <input
      data-testid="person-name"
      type="text"
      autocomplete="name"
      placeholder="e.g. Ana Ruiz"
      value=${name}
      onInput=${(e) => onChange(e.currentTarget.value)}
    />
  </label>`;
}

export function Controls({ name, busy, onStop, onLock, onResume }) {
  const why = name
    ? ''
    : 'Enter your name first: the worker records who approved, locked or resumed.';
  return html`<div class="controls">
    <button
      class="stop-all"
      data-testid="stop-all"
      onClick=${onStop}
      title="Cancel every running and queued operation, put every device in its safe state, refuse writes until resumed"
    >
      ${busy.stop ? 'Stopping…' : 'Stop all'}
    </button>
    <button
      class="lock"
      data-testid="lock"
      onClick=${onLock}
      disabled=${!name || busy.lock}
      title=${why || 'Hold agent writes (LAB_LOCKED) without stopping anything'}
    >
      Lock
    </button>
    <button
      class="resume"
      data-testid="resume"
      onClick=${onResume}
      disabled=${!name || busy.resume}
      title=${why || 'End a stop or a lock: writes run again'}
    >
      Resume
    </button>
  </div>`;
}

export function Notices({ notices, onDismiss }) {
  if (!notices.length) return null;
  return html`<div class="notices">
    ${notices.map(
      (n) =>
        html`<div
          key=${n.id}
          class=${`notice n-${n.kind}`}
          role=${n.kind === 'error' ? 'alert' : 'status'}
        >
          <span class="at">${clock(n.at)}</span> ${n.text}
          <button class="dismiss" onClick=${() => onDismiss(n.id)} aria-label="dismiss">×</button>
        </div>`,
    )}
  </div>`;
}
