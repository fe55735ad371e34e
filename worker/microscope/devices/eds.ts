import * as z from 'zod';
import { BinaryResultSchema } from '../../devices/binary-result.js';
import { defineDeviceClass } from '../../devices/device-class.js';
import { quantity } from '../../devices/quantity.js';
import { rigCommand, type MicroscopeRig } from './rig.js';
import { settingsCommands } from './settings.js';
import { BeamParams, pointSpectrum } from './spectrum.js';

// Asyncroscopy's EDS exposure_time runs 1e-6 … 1e2 s; in ms, and capped where a call's
// deadline still makes sense.
const Exposure = quantity({ doc: 'Exposure time', unit: 'ms', min: 0.01, max: 60_000 });
const ChannelWidth = quantity({ doc: 'Energy per channel', unit: 'eV', min: 2.5, max: 40 });
const Channels = quantity({ doc: 'Number of channels', unit: '1', min: 256, max: 8192, int: true });

const Settings = z.object({
  exposure_time: z.number().describe('ms'),
  channel_width: z.number().describe('eV per channel'),
  channels: z.number().int(),
  energy_range_kev: z.array(z.number()).describe('[0, top] of the axis, keV.'),
});

function describeSettings(rig: MicroscopeRig): z.input<typeof Settings> {
  const { exposureMs, channelEv, channels } = rig.eds;
  return {
    exposure_time: exposureMs,
    channel_width: channelEv,
    channels,
    energy_range_kev: [0, (channelEv * channels) / 1000],
  };
}

/**
 * The energy-dispersive X-ray detector: Kramers' continuum up to the beam energy and the lines
 * of the specimen's elements (C, O, Fe, Ag, Pt, Au) where the beam is, plus the specimen grid's
 * Cu as a system peak, at silicon-drift-detector resolution.
 */
const settings = settingsCommands({
  what: 'the exposure time and the energy axis',
  settings: {
    exposure_time: {
      doc: 'Control the exposure time, ms.',
      type: Exposure,
      units: 'ms',
      get: (rig) => rig.eds.exposureMs,
      set: (rig, v) => void (rig.eds.exposureMs = v),
    },
    channel_width: {
      doc: 'Control the energy per channel, eV.',
      type: ChannelWidth,
      units: 'eV',
      get: (rig) => rig.eds.channelEv,
      set: (rig, v) => void (rig.eds.channelEv = v),
    },
    channels: {
      doc: 'Control the number of channels.',
      type: Channels,
      get: (rig) => rig.eds.channels,
      set: (rig, v) => void (rig.eds.channels = v),
    },
  },
  result: Settings,
  describe: (rig) => describeSettings(rig),
});

export const EDS = defineDeviceClass<MicroscopeRig>({
  name: 'EDS',
  doc: 'The EDS detector: exposure and energy axis, point spectra.',
  commands: {
    acquire: rigCommand({
      doc:
        'Acquire an X-ray spectrum with the beam parked at (x, y) of the field of view, for the ' +
        'exposure time; counts per channel (float32), with reference lines in the metadata.',
      params: z.strictObject(BeamParams),
      result: BinaryResultSchema,
      readOnly: true,
      deadline: { base_ms: 90_000 },
      run: (ctx, p) => pointSpectrum(ctx, 'eds', p),
    }),
    ...settings.commands,
  },
  attributes: settings.attributes,
});
