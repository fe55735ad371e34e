import { isAscii } from 'node:buffer';
import { ERROR_CODES, type ErrorCode } from './error-codes.js';
import type { ErrorData, WireError } from './worker-error.js';

/** A request: `{"id": "<uuid>", "method": "<name>", "params": {…}}` — EAA's envelope. */
export interface RequestEnvelope {
  id: string;
  method: string;
  params: Record<string, unknown>;
}

/** A successful reply. */
export interface OkReply<R = unknown> {
  id: string;
  status: 'ok';
  result: R;
  /** For a write the safety policy governs: what went to the instrument and what was read back. */
  write?: WriteSummary;
}

/** What a write did: the commands on the wire, the values read back, the approval it ran under. */
export interface WriteSummary {
  sent: string[];
  applied: Record<string, unknown>;
  approval?: { id: string; by: string | null; via: string | null };
}

/** A failed reply; `id` is null only when the request's id could not be read. */
export interface ErrorReply {
  id: string | null;
  status: 'error';
  error: string;
  code: ErrorCode;
  data?: ErrorData;
}

/** Either reply. */
export type ReplyEnvelope<R = unknown> = OkReply<R> | ErrorReply;

/** Longest id accepted; a UUID is 36 characters, the rest is room for bench scripts' own schemes. */
export const MAX_ID_LENGTH = 256;

/** The outcome of reading one request message: a request, or the error reply it deserves. */
export type DecodedRequest =
  { ok: true; request: RequestEnvelope } | { ok: false; id: string | null; error: WireError };

/**
 * Reads one request message. Never throws: every malformed message yields the BAD_ENVELOPE
 * error that names what was wrong, and the id when it could be read, so the sender can match it.
 */
export function decodeRequest(raw: Uint8Array | string): DecodedRequest {
  const text = typeof raw === 'string' ? raw : utf8Text(raw);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return bad(null, `request is not valid JSON (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return bad(null, `request must be a JSON object {id, method, params}; got ${kindOf(value)}`);
  }
  const { id, method, params } = value as Record<string, unknown>;
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) {
    return bad(
      null,
      `field "id" must be a non-empty string of at most ${MAX_ID_LENGTH} characters ` +
        `(a UUID is usual); got ${describeValue(id)}`,
    );
  }
  if (typeof method !== 'string' || method.length === 0) {
    return bad(id, `field "method" must be a non-empty string; got ${describeValue(method)}`);
  }
  if (
    params !== undefined &&
    (typeof params !== 'object' || params === null || Array.isArray(params))
  ) {
    return bad(id, `field "params" must be a JSON object; got ${kindOf(params)}`);
  }
  return { ok: true, request: { id, method, params: (params ?? {}) as Record<string, unknown> } };
}

/** Encodes a request for the wire. */
export function encodeRequest(request: RequestEnvelope): string {
  return JSON.stringify(request);
}

/** Builds the error reply for a wire error. */
export function errorReply(id: string | null, error: WireError): ErrorReply {
  const reply: ErrorReply = { id, status: 'error', error: error.message, code: error.code };
  if (error.data !== undefined) reply.data = error.data;
  return reply;
}

/**
 * Reads a reply message; throws an Error saying what is wrong when it is not a reply envelope.
 * Checked by hand rather than with zod: it runs once per call on the frontend's hot path.
 */
export function decodeReply(raw: Uint8Array | string): ReplyEnvelope {
  const text = typeof raw === 'string' ? raw : utf8Text(raw);
  const value = JSON.parse(text) as Record<string, unknown> | null;
  const ok =
    typeof value === 'object' &&
    value !== null &&
    ((value.status === 'ok' && typeof value.id === 'string' && 'result' in value) ||
      (value.status === 'error' &&
        (typeof value.id === 'string' || value.id === null) &&
        typeof value.error === 'string' &&
        typeof value.code === 'string' &&
        (value.code as string) in ERROR_CODES &&
        (value.data === undefined || (typeof value.data === 'object' && value.data !== null))));
  if (!ok)
    throw new Error(`worker sent a message that is not a reply envelope: ${text.slice(0, 200)}`);
  return value as unknown as ReplyEnvelope;
}

function bad(id: string | null, message: string): DecodedRequest {
  return { ok: false, id, error: { code: 'BAD_ENVELOPE', message } };
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  const json = JSON.stringify(value);
  return `${kindOf(value)} ${json.length > 60 ? json.slice(0, 57) + '...' : json}`;
}

/**
 * Decodes a frame without copying it first (Buffer.from(buffer) would copy every byte). A frame
 * of ASCII (every base64 payload) decodes as such, about 4× faster than UTF-8 once isAscii has
 * proved it, which takes a fraction of a millisecond per megabyte.
 */
function utf8Text(raw: Uint8Array): string {
  const bytes = Buffer.isBuffer(raw)
    ? raw
    : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (bytes.length >= ASCII_CHECK_AT && isAscii(bytes)) return bytes.toString('ascii');
  return bytes.toString('utf8');
}

/** Below this a frame decodes as UTF-8 straight away: the check would cost more than it saves. */
const ASCII_CHECK_AT = 4096;
