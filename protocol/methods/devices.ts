import * as z from 'zod';
import { defineMethod } from '../define-method.js';
import { DeviceClassDescriptionSchema, DeviceDescriptionSchema } from '../devices.js';

/**
 * The device catalog's own method. The per-device tools (`Class_command`) are not declared here:
 * the worker builds them from the devices it finds, and `describe` carries their schemas.
 */
export const deviceMethods = {
  list_devices: defineMethod({
    title: 'List devices',
    description:
      'List the devices this worker drives (simulated microscope parts, GPIB instruments bound ' +
      'to a driver, plugin devices) with their class, where they came from and their identity, ' +
      'and the classes with the tools that run their commands. A device is addressed by ' +
      'calling a tool named Class_command, with device set to its name when a class has ' +
      'several devices. GPIB instruments without a driver are not listed: reach them with ' +
      'instrument_query.',
    params: z.strictObject({
      // Not `class`: a Python keyword, which EAA's client cannot bind as an argument.
      device_class: z
        .string()
        .min(1)
        .optional()
        .describe('Only devices of this class, e.g. HP34401A; default all.'),
    }),
    result: z.object({
      devices: z.array(DeviceDescriptionSchema),
      classes: z.array(DeviceClassDescriptionSchema),
    }),
    readOnly: true,
    idempotent: true,
    destructive: false,
    resource: null,
    deadline: { base_ms: 2000 },
    mcp: true,
  }),
};

/** The device catalog's methods. */
export type DeviceCatalog = typeof deviceMethods;
