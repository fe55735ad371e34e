/**
 * What a device plugin imports (`labrelay/devices`): the declarations of device classes,
 * commands and attributes, typed quantities, binary results, and the plugin contract. `z` is
 * labrelay's own zod, so a plugin's schemas are the ones the worker validates and describes.
 */
export * as z from 'zod';
export {
  attribute,
  command,
  defineDeviceClass,
  type AttributeSpec,
  type CommandSpec,
  type DeviceClass,
  type DeviceContext,
} from './device-class.js';
export type { Device } from './device.js';
export { quantity, type QuantityOptions } from './quantity.js';
export {
  arrayResult,
  binaryResult,
  imageResult,
  BinaryResultSchema,
  ImageResultSchema,
  INLINE_BYTES,
} from './binary-result.js';
export {
  definePlugin,
  type DevicePlugin,
  type PluginContext,
  type PluginDevice,
} from './plugin.js';
export { WorkerError } from '../../protocol/index.js';
