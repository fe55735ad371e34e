/** The worker's default request endpoint (EAA's convention). */
export const DEFAULT_WORKER_ENDPOINT = 'tcp://127.0.0.1:5555';

/**
 * The events (PUB) endpoint that goes with a request endpoint when none is configured:
 * the next TCP port, or the ipc path with `.events` appended.
 */
export function defaultEventsEndpoint(requestEndpoint: string): string {
  const tcp = /^tcp:\/\/(.+):(\d+)$/.exec(requestEndpoint);
  if (tcp) return `tcp://${tcp[1]}:${Number(tcp[2]) + 1}`;
  if (requestEndpoint.startsWith('ipc://')) return `${requestEndpoint}.events`;
  throw new Error(
    `cannot derive an events endpoint from ${requestEndpoint}; set worker.events_endpoint`,
  );
}

/**
 * A worker publishes its bound events endpoint; a wildcard host in it (`tcp://0.0.0.0:5556`) is
 * replaced by the host the client used to reach the worker.
 */
export function reachableEventsEndpoint(published: string, requestEndpoint: string): string {
  const pub = /^tcp:\/\/(\*|0\.0\.0\.0|\[::\]):(\d+)$/.exec(published);
  const req = /^tcp:\/\/(.+):\d+$/.exec(requestEndpoint);
  return pub && req ? `tcp://${req[1]}:${pub[2]}` : published;
}

/** True when a ZeroMQ endpoint only accepts connections from this machine. */
export function isLoopbackEndpoint(endpoint: string): boolean {
  if (endpoint.startsWith('ipc://') || endpoint.startsWith('inproc://')) return true;
  const tcp = /^tcp:\/\/(.+):(\d+|\*)$/.exec(endpoint);
  return tcp !== null && isLoopbackHost(tcp[1]);
}

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}
