// The console's controls. Each returns the server's `result` or throws an Error whose message
// says what the server (or the network) said, for the person to read.

/** A control that gets no answer must say so rather than spin forever. */
const TIMEOUT_MS = 20000;
/** Stopping waits for every device's safe state to be confirmed on its bus: give it longer. */
const STOP_TIMEOUT_MS = 60000;

async function post(path, body, timeoutMs = TIMEOUT_MS) {
  let res;
  try {
    res = await fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    if (err.name === 'TimeoutError') {
      // The request may have arrived and be running: not retried, only reported.
      throw new Error(
        `no answer from the console server within ${timeoutMs / 1000} s; check the lab state above`,
      );
    }
    throw Object.assign(new Error(`the console server could not be reached (${err.message})`), {
      network: true,
    });
  }
  let reply = null;
  try {
    reply = await res.json();
  } catch {
    // a proxy's HTML error page, an empty body: fall through to the status
  }
  if (res.status === 401 || res.status === 403) {
    throw new Error(
      reply?.error
        ? String(reply.error)
        : 'your session has ended: reload the page to log in again',
    );
  }
  if (!res.ok || !reply || reply.ok !== true) {
    const said = reply?.error ?? `HTTP ${res.status} ${res.statusText}`;
    throw new Error(typeof said === 'string' ? said : JSON.stringify(said));
  }
  return reply.result;
}

/** Stopping is idempotent and must not be lost to a dropped connection: retry network failures. */
async function withRetries(fn, attempts = 3) {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (!err.network || i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 500 * i));
    }
  }
}

export const UNKNOWN_PERSON = 'unknown person';

export const api = {
  stop: (reason, name) =>
    withRetries(() =>
      post('/console/api/stop', { reason, name: name || UNKNOWN_PERSON }, STOP_TIMEOUT_MS),
    ),
  lock: (reason, name) => post('/console/api/lock', { reason, name }),
  resume: (name) => post('/console/api/resume', { name }),
  decide: (worker, id, decision, name) =>
    post(`/console/api/approvals/${encodeURIComponent(worker)}/${encodeURIComponent(id)}`, {
      decision,
      name,
    }),
};
