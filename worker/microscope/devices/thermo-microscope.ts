import * as z from 'zod';
import { BinaryResultSchema, ImageResultSchema, imageResult } from '../../devices/binary-result.js';
import { defineDeviceClass } from '../../devices/device-class.js';
import { quantity } from '../../devices/quantity.js';
import { MAX_FRAME_MS, scanFrame } from './frame.js';
import { microscopeAttributes, microscopeCommands } from './microscope.js';
import { rigCommand, type MicroscopeRig } from './rig.js';
import { eelsSpectrum, frameComposition } from './spectrum.js';

/**
 * Asyncroscopy's ThermoMicroscope: the Microscope plus multi-detector orchestration. Here the
 * detectors are the HAADF, EELS and EDS devices over the same simulated column.
 */
export const ThermoMicroscope = defineDeviceClass<MicroscopeRig>({
  name: 'ThermoMicroscope',
  doc: 'The simulated microscope with coordinated multi-detector acquisition (HAADF + EELS).',
  commands: {
    ...microscopeCommands,
    acquire_multimodal: rigCommand({
      doc:
        'Acquire a HAADF image and an EELS spectrum together: the spectrometer integrates while ' +
        'the frame is scanned, so its exposure is the frame time and the spectrum is of the ' +
        'whole field (a sum over the scanned area), with the EELS device energy axis.',
      params: z.strictObject({
        exposure_ms: quantity({
          doc: "Frame time, also the EELS exposure; omitted: the Scan device's dwell_time × pixels",
          unit: 'ms',
          min: 0.001,
          max: MAX_FRAME_MS,
        }).optional(),
      }),
      result: z.object({
        image: ImageResultSchema,
        spectrum: BinaryResultSchema,
        settings: z
          .object({
            dwell_time_us: z.number(),
            frame_size: z.number().int(),
            frame_time_ms: z.number(),
            field_of_view_nm: z.number(),
            eels_exposure_ms: z.number(),
            energy_offset_ev: z.number(),
            dispersion_ev: z.number(),
            channels: z.number().int(),
          })
          .describe('The coordinated settings both detectors used.'),
      }),
      deadline: { base_ms: MAX_FRAME_MS + 30_000 },
      async run(ctx, p) {
        const rig = ctx.device.state;
        // Sync: the spectrometer's exposure follows the scan (Asyncroscopy's sync_dwell).
        const composition = frameComposition(rig);
        const frame = await scanFrame(ctx, { exposureMs: p.exposure_ms });
        const where = { field_of_view_nm: frame.fovNm, stage_nm: rig.sim.stage.position() };
        const [image, spectrum] = await Promise.all([
          imageResult(ctx, {
            data: frame.image.data,
            rows: frame.image.rows,
            cols: frame.image.cols,
            metadata: { ...frame.metadata, simultaneous: 'eels' },
            name: 'multimodal_haadf',
            thumbnail: rig.imaging.settings.thumbnails,
          }),
          eelsSpectrum(ctx, { composition, exposureMs: frame.frameMs, where }),
        ]);
        return {
          image,
          spectrum,
          settings: {
            dwell_time_us: frame.dwellUs,
            frame_size: rig.scan.frameSize,
            frame_time_ms: frame.frameMs,
            field_of_view_nm: frame.fovNm,
            eels_exposure_ms: frame.frameMs,
            energy_offset_ev: rig.eels.offsetEv,
            dispersion_ev: rig.eels.dispersionEv,
            channels: rig.eels.channels,
          },
        };
      },
    }),
  },
  attributes: microscopeAttributes,
});
