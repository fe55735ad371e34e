// Workers (are they there?) and devices (what is connected, and what was last read or set).
import { html } from './html.js';
import { clock, duration } from './format.js';
import { deviceKey } from './derive.js';

/** Heartbeats come about every second; older than this and the worker may be hanging. */
const LATE_HEARTBEAT_MS = 5000;

export function Workers({ store }) {
  if (!store.workers.length) {
    return html`<section class="panel workers">
      <h2>Workers</h2>
      <p class="empty">No worker reported yet.</p>
    </section>`;
  }
  return html`<section class="panel workers">
    <h2>Workers</h2>
    <table class="grid" data-testid="workers">
      <thead>
        <tr>
          <th>worker</th>
          <th>state</th>
          <th>heartbeat</th>
          <th>writes</th>
        </tr>
      </thead>
      <tbody>
        ${store.workers.map((w) => {
          const late =
            w.state === 'up' &&
            w.heartbeat_age_ms != null &&
            w.heartbeat_age_ms > LATE_HEARTBEAT_MS;
          const lab = store.labs.get(w.name);
          return html`<tr key=${w.name} data-worker=${w.name} class=${`w-${w.state}`}>
            <td title=${w.endpoint}><b>${w.name}</b></td>
            <td>
              <span class=${`badge b-${w.state === 'up' ? (late ? 'late' : 'ok') : 'error'}`}
                >${w.state}</span
              >
              ${w.reason ? html` <span class="muted">${w.reason}</span>` : null}
            </td>
            <td class=${`mono ${late ? 'warn' : ''}`}>
              ${w.heartbeat_age_ms == null ? '—' : `${duration(w.heartbeat_age_ms)} ago`}
            </td>
            <td>
              ${lab ? html`${lab.writes}${lab.pending_approvals ? html` · <b>${lab.pending_approvals} pending</b>` : null}` : '—'}
            </td>
          </tr>`;
        })}
      </tbody>
    </table>
  </section>`;
}

function where(info) {
  if (!info) return '';
  const parts = [info.bridge, info.address].filter((v) => v != null && v !== '');
  return parts.join(' / ');
}

export function Devices({ store }) {
  const down = new Set(store.workers.filter((w) => w.state === 'down').map((w) => w.name));
  const devices = [...store.devices].sort(
    (a, b) => String(a.worker).localeCompare(b.worker) || String(a.name).localeCompare(b.name),
  );
  return html`<section class="panel devices">
    <h2>Devices <span class="count">${devices.length}</span></h2>
    <div class="table-wrap">
      <table class="grid" data-testid="devices">
        <thead>
          <tr>
            <th>device</th>
            <th>class</th>
            <th>worker</th>
            <th>bridge / address</th>
            <th>model</th>
            <th>last value</th>
          </tr>
        </thead>
        <tbody>
          ${devices.map((d) => {
            const last = store.lastValues.get(deviceKey(d.worker, d.name));
            const info = d.info ?? {};
            const model = info.model ?? '';
            return html`<tr
              key=${deviceKey(d.worker, d.name)}
              data-device=${d.name}
              class=${down.has(d.worker) ? 'stale' : ''}
            >
              <td><b>${d.name}</b></td>
              <td class="mono">${d.class}</td>
              <td>${d.worker}</td>
              <td class="mono" title=${d.resource ?? ''}>${where(info) || d.resource || ''}</td>
              <td
                class="model"
                title=${[info.manufacturer, info.model, d.origin && `(${d.origin})`].filter(Boolean).join(' ')}
              >
                ${model}
              </td>
              <td
                class="last"
                title=${last ? `${last.method} at ${clock(last.time, { ms: true })}` : ''}
              >
                ${
                  last
                    ? html`<span class=${`tag ${last.set ? 'set' : 'read'}`}
                          >${last.set ? 'set' : 'read'}</span
                        >
                        <span class="mono value">${last.text}</span>
                        <span class="muted">${clock(last.time)}</span>`
                    : html`<span class="muted">—</span>`
                }
              </td>
            </tr>`;
          })}
        </tbody>
      </table>
    </div>
    ${devices.length ? null : html`<p class="empty">No devices.</p>`}
  </section>`;
}
