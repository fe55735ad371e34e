import { setMaxListeners } from 'node:events';

/**
 * fetch for the SDK's StreamableHTTPClientTransport with a private AbortSignal per request.
 * The transport passes one connection-wide signal to every fetch, and undici keeps an abort
 * listener on it per request until garbage collection (nodejs/undici#5285; the same fix as
 * samanhappy/mcphub#1062): a long benchmark run then trips MaxListenersExceededWarning. The
 * connection signal still aborts every request; its bridge listener goes when the body ends.
 */
export const isolatingFetch: typeof fetch = async (input, init) => {
  const parent = init?.signal;
  if (!parent) return fetch(input, init);
  // One bridge per request in flight, each removed when its request ends: no limit needed.
  setMaxListeners(0, parent);
  const own = new AbortController();
  const bridge = () => own.abort(parent.reason);
  if (parent.aborted) bridge();
  else parent.addEventListener('abort', bridge, { once: true });
  const release = () => parent.removeEventListener('abort', bridge);
  try {
    const response = await fetch(input, { ...init, signal: own.signal });
    if (!response.body) {
      release();
      return response;
    }
    const reader = response.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            release();
            controller.close();
          } else controller.enqueue(value);
        } catch (err) {
          release();
          controller.error(err);
        }
      },
      cancel(reason) {
        release();
        return reader.cancel(reason);
      },
    });
    return new Response(body, response);
  } catch (err) {
    release();
    throw err;
  }
};
