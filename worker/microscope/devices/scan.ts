import * as z from 'zod';
import { defineDeviceClass } from '../../devices/device-class.js';
import { quantity } from '../../devices/quantity.js';
import { fieldOfViewNm, type MicroscopeRig } from './rig.js';
import { settingsCommands } from './settings.js';

// Asyncroscopy's SCAN: dwell_time 1e-9 … 1e-3 s (here µs), imsize (here frame_size) in pixels.
const Dwell = quantity({ doc: 'Dwell time per pixel', unit: 'µs', min: 0.001, max: 1000 });
const FrameSize = quantity({
  doc: 'Pixels along each side of a frame',
  unit: '1',
  min: 16,
  max: 4096,
  int: true,
});

const Settings = z.object({
  dwell_time: z.number().describe('µs per pixel'),
  frame_size: z.number().int().describe('pixels per side'),
  frame_time_ms: z.number(),
  field_of_view_nm: z.number(),
  pixel_size_nm: z.number(),
});

function describeSettings(rig: MicroscopeRig): z.input<typeof Settings> {
  const { dwellUs, frameSize } = rig.scan;
  const fov = fieldOfViewNm(rig);
  return {
    dwell_time: dwellUs,
    frame_size: frameSize,
    frame_time_ms: (dwellUs * frameSize * frameSize) / 1000,
    field_of_view_nm: fov,
    pixel_size_nm: fov / frameSize,
  };
}

/**
 * The beam scan, settings only (as Asyncroscopy's SCAN): the microscope reads its dwell time
 * and frame size whenever it acquires a frame.
 */
const settings = settingsCommands({
  what: 'the dwell time (µs per pixel) and the frame size (pixels)',
  settings: {
    dwell_time: {
      doc: 'Control the dwell time per pixel, µs.',
      type: Dwell,
      units: 'µs',
      get: (rig) => rig.scan.dwellUs,
      set: (rig, v) => void (rig.scan.dwellUs = v),
    },
    frame_size: {
      doc: 'Control the frame size, pixels per side.',
      type: FrameSize,
      get: (rig) => rig.scan.frameSize,
      set: (rig, v) => void (rig.scan.frameSize = v),
    },
  },
  result: Settings,
  describe: (rig) => describeSettings(rig),
});

export const Scan = defineDeviceClass<MicroscopeRig>({
  name: 'Scan',
  doc: 'The beam scan: dwell time per pixel and frame size, read by every frame acquisition.',
  commands: {
    ...settings.commands,
  },
  attributes: settings.attributes,
});
