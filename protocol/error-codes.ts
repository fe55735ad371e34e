import * as z from 'zod';

/**
 * The closed set of machine-readable error codes on the wire, each with the layer that raises it.
 * A reply's `error` is for people; its `code` is for programs. Clients branch on `code` only.
 */
export const ERROR_CODES = {
  BAD_ENVELOPE:
    'worker: the message was not a request envelope — not JSON, not an object, a missing or ' +
    'non-string id or method, params that are not an object, or an id reused for a different request.',
  UNKNOWN_METHOD: 'worker: no method of that name is served; `describe` lists the methods.',
  INVALID_PARAMS:
    'worker: a parameter failed validation; `data.path` names the field. Nothing reached a device.',
  BLOCKED: 'worker: the method is blocked by configuration and was not run.',
  BUSY: 'worker: the resource the method needs stayed busy longer than the queue timeout; not run.',
  TIMEOUT:
    'worker or client: the operation did not finish within its deadline. From the client, ' +
    '`data.outcome` is "unknown" when the request may have run.',
  CANCELLED:
    'worker: the operation was stopped by `cancel` or `stop_all` at a safe point, or never started.',
  REFUSED:
    'worker: the safety policy refuses the write (a hard limit, a step too large, a setting that ' +
    'is not writable, a denied SCPI command, a read-only lab); `data.rule` names the rule. ' +
    'Nothing reached the instrument.',
  APPROVAL_DENIED:
    "worker: the write needed a person's approval and a person denied it; nothing was sent.",
  APPROVAL_EXPIRED:
    "worker: the write needed a person's approval and none came before it expired; nothing was sent.",
  LAB_STOPPED:
    'worker: the lab was stopped (stop_all); writes are refused until a person resumes it. Reads work.',
  LAB_LOCKED:
    'worker: a person holds the lab (labrelay lock); agent writes are refused until it is ' +
    'unlocked. Reads work.',
  DEVICE_ERROR: 'worker: the instrument, its bridge or its link reported a failure.',
  UNAVAILABLE:
    'worker or client: the worker or the device cannot be reached now (restarting, disconnected).',
  INTERNAL:
    'worker: a defect in labrelay — a handler threw unexpectedly or produced a result that is ' +
    'not valid JSON (NaN, Infinity) or does not match its declared schema.',
} as const;

/** One of the wire error codes; see {@link ERROR_CODES} for what each means. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Zod schema of an error code, for decoding replies. */
export const ErrorCodeSchema = z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]);
