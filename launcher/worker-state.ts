/**
 * What the launcher tells the frontend over the IPC channel of `child_process.fork`-style
 * spawning: the worker went down (calls in flight end at once, new calls fail fast with
 * "worker restarting") or came back (the frontend re-reads its methods).
 */
export interface WorkerStateMessage {
  type: 'labrelay:worker-state';
  state: 'down' | 'up';
  /** The request endpoint of the worker it is about. */
  endpoint: string;
  reason?: string;
}

/** True for a message the launcher sent about the worker's state. */
export function isWorkerStateMessage(message: unknown): message is WorkerStateMessage {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { type?: unknown }).type === 'labrelay:worker-state'
  );
}
