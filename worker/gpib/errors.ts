import { WorkerError, type ErrorCode } from '../../protocol/index.js';

/** Where a GPIB failure happened; every message names what it can of this. */
export interface GpibContext {
  bridge?: string;
  address?: number;
  command?: string;
  /** The limit that was hit, e.g. { read_timeout_ms: 3000 }. */
  limit?: Record<string, number>;
  [key: string]: unknown;
}

/**
 * Root of the GPIB errors. The hierarchy mirrors the stack (mcgpib's, made typed): each layer
 * wraps the one below with its context, and each class maps to a wire code, so the model sees
 * "instrument at address 5 on bench-a did not answer MEAS:VOLT:DC? within 3000 ms [TIMEOUT]".
 */
export class GpibError extends WorkerError {
  constructor(code: ErrorCode, message: string, context: GpibContext = {}) {
    super(code, message, stripUndefined(context));
  }
}

/** A bridge configuration that cannot work (refused at start or by configure_bridge). */
export class ConfigError extends GpibError {
  constructor(message: string, context?: GpibContext) {
    super('INVALID_PARAMS', message, context);
  }
}

/** The byte link to an adapter failed. */
export class TransportError extends GpibError {}

/** The link cannot be opened, or it dropped. */
export class ConnectionError extends TransportError {
  constructor(message: string, context?: GpibContext) {
    super('UNAVAILABLE', message, context);
  }
}

/** Nothing (or not enough) arrived on the link in time. */
export class TimeoutError extends TransportError {
  constructor(message: string, context?: GpibContext) {
    super('TIMEOUT', message, context);
  }
}

/** The adapter itself misbehaved. */
export class BridgeError extends GpibError {}

/** The adapter did not answer its init sequence as AR488 firmware does. */
export class BridgeInitError extends BridgeError {
  constructor(message: string, context?: GpibContext) {
    super('DEVICE_ERROR', message, context);
  }
}

/** No bridge of that name is configured. */
export class BridgeNotFoundError extends BridgeError {
  constructor(message: string, context?: GpibContext) {
    super('INVALID_PARAMS', message, context);
  }
}

/** Something on the GPIB bus went wrong. */
export class BusError extends GpibError {}

/** No instrument listens where one was expected. */
export class NoListenersError extends BusError {
  constructor(message: string, context?: GpibContext) {
    super('DEVICE_ERROR', message, context);
  }
}

/** An instrument did not answer, or answered in a way that cannot be right. */
export class InstrumentError extends BusError {
  constructor(code: 'TIMEOUT' | 'DEVICE_ERROR', message: string, context?: GpibContext) {
    super(code, message, context);
  }
}

function stripUndefined(context: GpibContext): Record<string, unknown> {
  return Object.fromEntries(Object.entries(context).filter(([, v]) => v !== undefined));
}
