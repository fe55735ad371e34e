import { coreMethods } from './methods/core.js';
import { diagnosticsMethods } from './methods/diagnostics.js';
import { deviceMethods } from './methods/devices.js';
import { gpibMethods } from './methods/gpib.js';
import { imagingMethods } from './methods/imaging.js';
import { safetyMethods } from './methods/safety.js';
import { supervisionMethods } from './methods/supervision.js';

/**
 * Every method labrelay's TypeScript worker can serve, keyed by its one name. A running worker
 * serves a subset (diagnostics only when enabled); `describe` tells which.
 */
export const catalog = {
  ...coreMethods,
  ...diagnosticsMethods,
  ...deviceMethods,
  ...safetyMethods,
  ...supervisionMethods,
  // Typed with the built-in simulated lab's bridges; a worker's describe has its own.
  ...gpibMethods({
    bridges: ['bench-a', 'bench-b'],
    readTimeoutMs: 3000,
    adapterTimeoutMs: 1400,
    interCommandDelayMs: 10,
    connectMs: 9000,
  }),
  // Typed with the simulated microscope's default parameter.
  ...imagingMethods({
    parameters: [{ name: 'z', lower: 0, upper: 10 }],
    dwellUs: 0,
    maxSamples: 4096,
  }),
};

/** The static catalog's type, for typed clients. */
export type LabrelayCatalog = typeof catalog;
/** A method name of the static catalog. */
export type MethodName = keyof LabrelayCatalog;
