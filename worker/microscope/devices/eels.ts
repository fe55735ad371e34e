import * as z from 'zod';
import { BinaryResultSchema } from '../../devices/binary-result.js';
import { defineDeviceClass } from '../../devices/device-class.js';
import { quantity } from '../../devices/quantity.js';
import { rigCommand, type MicroscopeRig } from './rig.js';
import { settingsCommands } from './settings.js';
import { BeamParams, pointSpectrum } from './spectrum.js';

const Exposure = quantity({ doc: 'Exposure time', unit: 'ms', min: 0.01, max: 60_000 });
const Offset = quantity({ doc: 'Energy of the first channel', unit: 'eV', min: -100, max: 3000 });
const Dispersion = quantity({ doc: 'Energy per channel', unit: 'eV', min: 0.01, max: 5 });
const Channels = quantity({
  doc: 'Number of channels',
  unit: '1',
  min: 64,
  max: 16_384,
  int: true,
});

const Settings = z.object({
  exposure_time: z.number().describe('ms'),
  energy_offset: z.number().describe('eV'),
  dispersion: z.number().describe('eV per channel'),
  channels: z.number().int(),
  energy_range: z.array(z.number()).describe('[first, last channel] energies, eV.'),
});

function describeSettings(rig: MicroscopeRig): z.input<typeof Settings> {
  const { exposureMs, offsetEv, dispersionEv, channels } = rig.eels;
  return {
    exposure_time: exposureMs,
    energy_offset: offsetEv,
    dispersion: dispersionEv,
    channels,
    energy_range: [offsetEv, offsetEv + dispersionEv * channels],
  };
}

/**
 * The electron energy-loss spectrometer: zero-loss peak, plasmons and the ionisation edges of
 * what lies under the beam (C K 284 eV, Ag M4,5 367 eV, O K 532 eV, Fe L2,3 708 eV, …).
 * Asyncroscopy's EELS.py is empty; this one follows its EDS and CAMERA devices' shape.
 */
const settings = settingsCommands({
  what: 'the exposure time and the energy axis',
  settings: {
    exposure_time: {
      doc: 'Control the exposure time, ms.',
      type: Exposure,
      units: 'ms',
      get: (rig) => rig.eels.exposureMs,
      set: (rig, v) => void (rig.eels.exposureMs = v),
    },
    energy_offset: {
      doc: 'Control the energy of the first channel, eV.',
      type: Offset,
      units: 'eV',
      get: (rig) => rig.eels.offsetEv,
      set: (rig, v) => void (rig.eels.offsetEv = v),
    },
    dispersion: {
      doc: 'Control the energy per channel, eV.',
      type: Dispersion,
      units: 'eV',
      get: (rig) => rig.eels.dispersionEv,
      set: (rig, v) => void (rig.eels.dispersionEv = v),
    },
    channels: {
      doc: 'Control the number of channels.',
      type: Channels,
      get: (rig) => rig.eels.channels,
      set: (rig, v) => void (rig.eels.channels = v),
    },
  },
  result: Settings,
  describe: (rig) => describeSettings(rig),
});

export const EELS = defineDeviceClass<MicroscopeRig>({
  name: 'EELS',
  doc: 'The EELS spectrometer: exposure and energy axis, point spectra.',
  commands: {
    acquire: rigCommand({
      doc:
        'Acquire an EELS spectrum with the beam parked at (x, y) of the field of view, for the ' +
        'exposure time; counts per channel (float32), with the energy axis in the metadata.',
      params: z.strictObject(BeamParams),
      result: BinaryResultSchema,
      readOnly: true,
      deadline: { base_ms: 90_000 },
      run: (ctx, p) => pointSpectrum(ctx, 'eels', p),
    }),
    ...settings.commands,
  },
  attributes: settings.attributes,
});
