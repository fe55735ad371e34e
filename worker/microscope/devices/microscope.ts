import * as z from 'zod';
import { defineDeviceClass } from '../../devices/device-class.js';
import { BinaryResultSchema, ImageResultSchema, imageResult } from '../../devices/binary-result.js';
import { quantity } from '../../devices/quantity.js';
import { MAX_FRAME_MS, scanFrame } from './frame.js';
import { fieldOfViewNm, rigAttribute, rigCommand, type MicroscopeRig } from './rig.js';
import { BeamParams, pointSpectrum, SPECTROMETERS } from './spectrum.js';

const Voltage = quantity({ doc: 'Accelerating voltage', unit: 'kV', min: 30, max: 300 });
const Magnification = quantity({
  doc: 'Magnification; the field of view is 1e8 nm / magnification',
  unit: '1',
  min: 100_000,
  max: 20_000_000,
});
const ProbeCurrent = quantity({ doc: 'Probe current', unit: 'pA', min: 1, max: 1000 });

/** What get_settings and configure report. */
const ColumnSettings = z.object({
  voltage: z.number().describe('kV'),
  magnification: z.number(),
  probe_current: z.number().describe('pA'),
  field_of_view_nm: z.number(),
  pixel_size_nm: z.number().describe('Field of view / the Scan frame_size.'),
  stage_nm: z.object({ x: z.number(), y: z.number() }),
  parameters: z.record(z.string(), z.number()).describe('The optics parameters (set_parameters).'),
});

function columnSettings(rig: MicroscopeRig): z.input<typeof ColumnSettings> {
  const fov = fieldOfViewNm(rig);
  const values = rig.sim.parameterValues();
  return {
    voltage: rig.column.voltageKv,
    magnification: rig.column.magnification,
    probe_current: rig.column.probeCurrentPa,
    field_of_view_nm: fov,
    pixel_size_nm: fov / rig.scan.frameSize,
    stage_nm: rig.sim.stage.position(),
    parameters: Object.fromEntries(rig.sim.parameters.map((p, i) => [p.name, values[i]])),
  };
}

/**
 * The microscope's commands, shared with ThermoMicroscope (which extends Microscope, as in
 * Asyncroscopy). Everything acquires from the one simulated column: frames go to the EAA image
 * buffers, and the stage, the optics parameters and the corrector shape what they show.
 */
export const microscopeCommands = {
  get_image: rigCommand({
    doc:
      'Acquire a HAADF STEM image of the current field of view (magnification), with the Scan ' +
      "device's frame_size; returns PNG and .npy paths and metadata, and the frame becomes the " +
      'current image buffer.',
    params: z.strictObject({
      exposure_ms: quantity({
        doc: "Frame time (dwell per pixel = exposure / pixels); omitted: the Scan device's dwell_time",
        unit: 'ms',
        min: 0.001,
        max: MAX_FRAME_MS,
      }).optional(),
    }),
    result: ImageResultSchema,
    deadline: { base_ms: MAX_FRAME_MS + 30_000 },
    async run(ctx, p) {
      const frame = await scanFrame(ctx, { exposureMs: p.exposure_ms });
      const { data, rows, cols } = frame.image;
      return imageResult(ctx, {
        data,
        rows,
        cols,
        metadata: frame.metadata,
        name: 'haadf',
        thumbnail: ctx.device.state.imaging.settings.thumbnails,
      });
    },
  }),
  get_spectrum: rigCommand({
    doc:
      'Acquire a spectrum with the beam parked at (x, y) of the field of view, with the named ' +
      "detector's settings (eels or eds: exposure, energy axis); counts per channel, inline " +
      'base64 float32 when small.',
    params: z.strictObject({
      detector: z.enum(SPECTROMETERS).describe('Spectrometer: eels or eds.'),
      ...BeamParams,
    }),
    result: BinaryResultSchema,
    readOnly: true,
    deadline: { base_ms: 90_000 },
    run: (ctx, p) => pointSpectrum(ctx, p.detector, p),
  }),
  configure: rigCommand({
    doc: 'Set the accelerating voltage, magnification and probe current (omitted ones stay).',
    params: z.strictObject({
      voltage: Voltage.optional(),
      magnification: Magnification.optional(),
      probe_current: ProbeCurrent.optional(),
    }),
    result: ColumnSettings,
    idempotent: true,
    run(ctx, p) {
      const { column } = ctx.device.state;
      column.voltageKv = p.voltage ?? column.voltageKv;
      column.magnification = p.magnification ?? column.magnification;
      column.probeCurrentPa = p.probe_current ?? column.probeCurrentPa;
      return columnSettings(ctx.device.state);
    },
  }),
  get_settings: rigCommand({
    doc: 'Get the column settings, the field of view, the stage position and the optics parameters.',
    params: z.strictObject({}),
    result: ColumnSettings,
    readOnly: true,
    idempotent: true,
    run: (ctx) => columnSettings(ctx.device.state),
  }),
};

/** The microscope's attributes, shared with ThermoMicroscope. */
export const microscopeAttributes = {
  voltage: rigAttribute({
    doc: 'Control the accelerating voltage, kV.',
    type: Voltage,
    units: 'kV',
    get: (ctx) => ctx.device.state.column.voltageKv,
    set: (ctx, v) => {
      ctx.device.state.column.voltageKv = v;
    },
  }),
  magnification: rigAttribute({
    doc: 'Control the magnification; the field of view is 1e8 nm / magnification.',
    type: Magnification,
    get: (ctx) => ctx.device.state.column.magnification,
    set: (ctx, v) => {
      ctx.device.state.column.magnification = v;
    },
  }),
  probe_current: rigAttribute({
    doc: 'Control the probe current, pA.',
    type: ProbeCurrent,
    units: 'pA',
    get: (ctx) => ctx.device.state.column.probeCurrentPa,
    set: (ctx, v) => {
      ctx.device.state.column.probeCurrentPa = v;
    },
  }),
  field_of_view: rigAttribute({
    doc: 'Get the field of view, nm (set it through magnification).',
    type: quantity({ doc: 'Field of view', unit: 'nm', min: 0 }),
    units: 'nm',
    get: (ctx) => fieldOfViewNm(ctx.device.state),
  }),
};

/** Asyncroscopy's base Microscope: images, spectra and the column's settings. */
export const Microscope = defineDeviceClass<MicroscopeRig>({
  name: 'Microscope',
  doc: 'A simulated scanning transmission electron microscope: HAADF images and EELS/EDS spectra.',
  commands: microscopeCommands,
  attributes: microscopeAttributes,
});
