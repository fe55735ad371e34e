// Pending approvals: the writes waiting for a person. Each card says what would be written
// where, which rule asked, how long it has waited and how long before it expires.
import { html } from './html.js';
import { age, clock, compact } from './format.js';
import { approvalKey } from './derive.js';

function ApprovalCard({ a, now, name, state, onDecide }) {
  const waited = now - Date.parse(a.created_at);
  const left = Date.parse(a.expires_at) - now;
  const urgent = Number.isFinite(left) && left < 30000;
  const busy = Boolean(state?.busy);
  const why = name ? '' : 'Enter your name in the header first';
  return html`<article class=${`approval ${urgent ? 'urgent' : ''}`} data-approval=${a.id}>
    <header>
      <span class="method">${a.method}</span>
      ${a.device ? html`<span class="device">${a.device}</span>` : null}
      <span class="worker">${a.worker}</span>
      <span class="id" title=${`request ${a.request_id ?? ''}`}>#${a.id}</span>
    </header>
    <p class="summary">${a.summary}</p>
    <div class="params mono" title=${JSON.stringify(a.params)}>${compact(a.params, 240)}</div>
    ${
      Array.isArray(a.rules) && a.rules.length
        ? html`<ul class="rules">
            ${a.rules.map((r, i) => html`<li key=${i}><b>${r.rule}</b>${r.message ? `: ${r.message}` : ''}</li>`)}
          </ul>`
        : null
    }
    <footer>
      <span class="times">
        ${`asked ${clock(a.created_at)} · waiting ${age(waited)} · `}
        <span class=${urgent ? 'expiry urgent' : 'expiry'}>
          ${left > 0 ? `expires in ${age(left)}` : 'expiring…'}
        </span>
      </span>
      <span class="decide">
        ${state?.error ? html`<span class="error">${state.error}</span>` : null}
        <button
          class="approve"
          data-testid=${`approve-${a.id}`}
          disabled=${!name || busy}
          title=${why}
          onClick=${() => onDecide(a, 'approve')}
        >
          ${state?.busy === 'approve' ? 'Approving…' : 'Approve'}
        </button>
        <button
          class="deny"
          data-testid=${`deny-${a.id}`}
          disabled=${!name || busy}
          title=${why}
          onClick=${() => onDecide(a, 'deny')}
        >
          ${state?.busy === 'deny' ? 'Denying…' : 'Deny'}
        </button>
      </span>
    </footer>
  </article>`;
}

export function Approvals({ store, now, name, decisions, onDecide }) {
  // Oldest first: it expires first.
  const list = [...store.approvals.values()].sort(
    (a, b) => (Date.parse(a.created_at) || 0) - (Date.parse(b.created_at) || 0),
  );
  return html`<section
    class=${`panel approvals ${list.length ? 'has-pending' : ''}`}
    data-testid="approvals"
  >
    <h2>
      Pending approvals <span class="count">${list.length}</span>
      ${list.length && !name ? html`<span class="hint">enter your name in the header to decide</span>` : null}
    </h2>
    ${
      list.length
        ? html`<div class="cards">
            ${list.map((a) => {
              const key = approvalKey(a);
              return html`<${ApprovalCard}
                key=${key}
                a=${a}
                now=${now}
                name=${name}
                state=${decisions.get(key)}
                onDecide=${onDecide}
              />`;
            })}
          </div>`
        : html`<p class="empty">No write is waiting for a person.</p>`
    }
  </section>`;
}
