import { sampleCount } from '../microscope.js';
import { mosaicLayout } from '../mosaic.js';
import type { SettingPoint, WriteTarget } from '../../engine/write-gate.js';
import type { ImagingDeps } from './deps.js';

/**
 * What the EAA methods write, for the safety policy, each as the settings it passes through —
 * so a sweep is checked whole before its first step: set_parameters its optics values by name,
 * autofocus every value of its sweep, acquire_mosaic every stage position of its serpentine and
 * the way back. Present values come from the column (optics) and the stage.
 */
export function imagingTargets(deps: ImagingDeps): Record<string, WriteTarget> {
  const names = deps.microscope.parameters.map((p) => p.name);
  const present: WriteTarget['present'] = async (setting) => {
    const i = names.indexOf(setting);
    if (i >= 0) return deps.microscope.parameterValues()[i];
    if (setting === 'x' || setting === 'y') return deps.microscope.stage.position()[setting];
    return undefined;
  };
  const device = () => ({ name: 'microscope', class: 'ScanningMicroscope' });
  return {
    set_parameters: {
      device,
      present,
      points: (p) => {
        const values = p.parameters as number[];
        return [Object.fromEntries(names.map((n, i) => [n, values[i]]))];
      },
    },
    autofocus: {
      device,
      present,
      points: (p) => {
        const name = String(p.parameter);
        const spec = deps.microscope.parameters.find((q) => q.name === name);
        if (!spec) return [{}];
        const lower = (p.lower as number | undefined) ?? spec.lower;
        const upper = (p.upper as number | undefined) ?? spec.upper;
        const steps = p.steps as number;
        return Array.from({ length: steps }, (_, k) => ({
          [name]: lower + ((upper - lower) * k) / (steps - 1),
        }));
      },
    },
    acquire_mosaic: {
      device,
      present,
      points: (p) => {
        const start = deps.microscope.stage.position();
        const layout = mosaicLayout({
          tilesX: p.tiles_x as number,
          tilesY: p.tiles_y as number,
          tileSamples: sampleCount(p.tile_size as number, p.scan_step as number),
          step: p.scan_step as number,
          overlap: p.overlap as number,
          center: start,
        });
        const points: SettingPoint[] = layout.tiles.map((t) => ({ x: t.stage.x, y: t.stage.y }));
        points.push({ x: start.x, y: start.y });
        return points;
      },
    },
  };
}
