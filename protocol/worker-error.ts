import type { ErrorCode } from './error-codes.js';

/** Structured context attached to an error: the bad field's path, the limit that was hit, and so on. */
export type ErrorData = Record<string, unknown>;

/** An error as it travels on the wire. */
export interface WireError {
  code: ErrorCode;
  message: string;
  data?: ErrorData;
}

/**
 * The one error class of labrelay: a code from the closed set, a message a person understands,
 * and optional structured data. Everything thrown in the worker is normalised into it.
 */
export class WorkerError extends Error {
  override readonly name = 'WorkerError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly data?: ErrorData,
  ) {
    super(message);
  }

  /** The wire form, without stack or cause. */
  toWire(): WireError {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

/**
 * Normalises anything thrown into a wire error (as tRPC's getTRPCErrorFromUnknown does).
 * Errors that are not WorkerErrors are defects, so they become INTERNAL; the caller logs the stack.
 */
export function toWireError(err: unknown): WireError {
  if (err instanceof WorkerError) return err.toWire();
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message: `internal error: ${message}` };
}
