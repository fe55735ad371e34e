// The live feed: one EventSource, reopened on `reset`, after the browser gives up on it, and when
// it goes silent (the server sends `workers` every second, so silence means a dead connection a
// proxy is keeping open). The indicator must never say "live" over stale data.

const EVENTS_URL = '/console/events';
/** No event for this long while connected: show it. */
const STALL_MS = 4000;
/** ...and for this long: assume the connection is dead and open a new one. */
const DEAD_MS = 15000;

const REDIRECT_KEY = 'labrelay.console.loginRedirectAt';

function recentlyRedirected() {
  try {
    return Date.now() - Number(sessionStorage.getItem(REDIRECT_KEY) ?? 0) < 60000;
  } catch {
    return true; // cannot remember: never risk a reload loop
  }
}

export function connect(store) {
  let source = null;
  let lastEventAt = 0;
  let retryTimer = null;
  let backoff = 1000;

  const handlers = {
    snapshot: (d) => {
      backoff = 1000;
      store.snapshot(d);
      store.setConnection('live');
    },
    operation: (d) => store.operation(d),
    audit_event: (d) => store.audit(d),
    approval: (d) => store.approval(d),
    lab: (d) => store.lab(d),
    workers: (d) => store.workersUpdate(d),
    devices: (d) => store.devicesUpdate(d),
    reset: (d) =>
      reopen(`the server dropped events (${d?.reason ?? 'page too slow'}); resynchronising`),
  };

  function open() {
    clearTimeout(retryTimer);
    retryTimer = null;
    lastEventAt = Date.now();
    const es = new EventSource(EVENTS_URL);
    source = es;
    for (const [name, handle] of Object.entries(handlers)) {
      es.addEventListener(name, (e) => {
        if (es !== source) return; // a late event from a source we already replaced
        lastEventAt = Date.now();
        if (store.connection.state === 'stalled') store.setConnection('live');
        let data;
        try {
          data = JSON.parse(e.data);
        } catch {
          console.warn(`labrelay console: unreadable ${name} event`, e.data);
          return;
        }
        handle(data);
      });
    }
    es.onerror = () => {
      if (es !== source) return;
      if (es.readyState === EventSource.CLOSED) {
        // The browser stops retrying after a non-200 answer (an expired session, a server
        // restarting): find out which, then retry ourselves.
        store.setConnection('reconnecting', 'connection refused');
        checkSessionThenRetry();
      } else {
        store.setConnection('reconnecting');
      }
    };
  }

  function reopen(note) {
    if (source) source.close();
    source = null;
    store.setConnection('reconnecting', note);
    open();
  }

  async function checkSessionThenRetry() {
    if (source) source.close();
    source = null;
    const abort = new AbortController();
    try {
      const res = await fetch(EVENTS_URL, {
        credentials: 'same-origin',
        headers: { Accept: 'text/event-stream' },
        signal: abort.signal,
      });
      abort.abort(); // only the status was wanted, not the stream
      const stream = (res.headers.get('Content-Type') ?? '').includes('text/event-stream');
      // No session any more (a 401, or a redirect to the login form): the server shows the form
      // at `/`. Not twice in a row, in case something else answers HTML here.
      if (
        (res.status === 401 || res.status === 403 || (res.ok && !stream)) &&
        !recentlyRedirected()
      ) {
        sessionStorage.setItem(REDIRECT_KEY, String(Date.now()));
        location.assign('/');
        return;
      }
    } catch {
      // server unreachable: retry below
    }
    retryTimer = setTimeout(open, backoff);
    backoff = Math.min(backoff * 2, 10000);
  }

  setInterval(() => {
    if (!source) return;
    const silent = Date.now() - lastEventAt;
    if (silent > DEAD_MS) reopen(`no data for ${Math.round(silent / 1000)} s`);
    else if (silent > STALL_MS && store.connection.state === 'live') store.setConnection('stalled');
  }, 1000);

  open();
  return { reopen };
}
