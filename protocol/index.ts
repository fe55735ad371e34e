/**
 * labrelay's wire contract: envelopes, error codes, the method catalog and the events the worker
 * publishes. Pure values and types, no I/O, shared by the worker, the frontend and bench scripts.
 */
export * from './error-codes.js';
export * from './worker-error.js';
export * from './envelope.js';
export * from './deadline.js';
export * from './resource.js';
export * from './define-method.js';
export * from './describe.js';
export * from './devices.js';
export * from './tool-signature.js';
export * from './events.js';
export * from './prompts.js';
export * from './mcp-images.js';
export * from './endpoints.js';
export * from './curve.js';
export * from './json-safety.js';
export * from './python-names.js';
export * from './splice-json.js';
export type { Logger } from './logger.js';
export { coreMethods } from './methods/core.js';
export { diagnosticsMethods } from './methods/diagnostics.js';
export { deviceMethods, type DeviceCatalog } from './methods/devices.js';
export { gpibMethods, type GpibCatalog, type GpibCatalogOptions } from './methods/gpib.js';
export {
  imagingMethods,
  IMAGING_ATTRIBUTES,
  MICROSCOPE_RESOURCE,
  FOCUS_METRICS,
  focusParameterName,
  IMAGING_SETTINGS,
  PAYLOAD_FORMATS,
  BUFFER_NAMES,
  type ImagingCatalog,
  type ImagingCatalogOptions,
} from './methods/imaging.js';
export {
  safetyMethods,
  LabStateSchema,
  ApprovalRecordSchema,
  type SafetyCatalog,
  type LabState,
  type ApprovalRecord,
} from './methods/safety.js';
export {
  supervisionMethods,
  ARTIFACT_READ_MAX_BYTES,
  type SupervisionCatalog,
} from './methods/supervision.js';
export * from './catalog.js';
