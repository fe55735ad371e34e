import { coreMethods } from './methods/core.js';
import { diagnosticsMethods } from './methods/diagnostics.js';

/**
 * Every method labrelay's TypeScript worker can serve, keyed by its one name. A running worker
 * serves a subset (diagnostics only when enabled); `describe` tells which.
 */
export const catalog = {
  ...coreMethods,
  ...diagnosticsMethods,
};

/** The static catalog's type, for typed clients. */
export type LabrelayCatalog = typeof catalog;
/** A method name of the static catalog. */
export type MethodName = keyof LabrelayCatalog;
