import { WorkerError } from '../../../protocol/index.js';
import { sampleCount } from '../microscope.js';
import { mosaicLayout, Stitcher } from '../mosaic.js';
import { encodeNpy } from '../../artifacts/npy.js';
import { encodePng16, encodePng8, encodeThumbnail } from '../../artifacts/png.js';
import type { StagePosition } from '../stage.js';
import type { ImagingDeps, ImagingHandlers } from './deps.js';
import { stepOperation } from './sub-operation.js';

/** Most samples in a stitched image (64 MB of float32): a bound on memory, not on the stage. */
const MAX_STITCHED_SAMPLES = 16 * 1024 * 1024;
const THUMBNAIL_SIDE = 256;

/**
 * acquire_mosaic: tiles scanned on the optical axis with the stage moved between them, stitched
 * by their nominal positions (the stage is exact in the simulator, and the drift is constant
 * while the optics stay put). See the method description for the cancel contract.
 */
export function mosaicHandlers(deps: ImagingDeps): ImagingHandlers<'acquire_mosaic'> {
  const { microscope, column, artifacts, settings } = deps;
  const { stage } = microscope;

  return {
    acquire_mosaic: async (p, op) => {
      const tileSamples = sampleCount(p.tile_size, p.scan_step);
      if (tileSamples > deps.maxSamples || tileSamples < 2) {
        throw new WorkerError(
          'INVALID_PARAMS',
          `tile_size ${p.tile_size} / scan_step ${p.scan_step} gives ${tileSamples} samples per ` +
            `side; allowed 2 to ${deps.maxSamples}`,
          { path: ['params', 'tile_size'] },
        );
      }
      const start = stage.position();
      const layout = mosaicLayout({
        tilesX: p.tiles_x,
        tilesY: p.tiles_y,
        tileSamples,
        step: p.scan_step,
        overlap: p.overlap,
        center: start,
      });
      if (layout.rows * layout.cols > MAX_STITCHED_SAMPLES) {
        throw new WorkerError(
          'INVALID_PARAMS',
          `the stitched image would be ${layout.rows} × ${layout.cols} samples, more than ` +
            `${MAX_STITCHED_SAMPLES}; use fewer or smaller tiles or a larger scan_step`,
          { path: ['params', 'tiles_x'] },
        );
      }
      // Every target is checked first: a mosaic that would hit a limit halfway never starts.
      for (const axis of ['x', 'y'] as const) {
        const targets = layout.tiles.map((t) => t.stage[axis]);
        const [low, high] = stage.limits[axis];
        const [from, to] = [Math.min(...targets), Math.max(...targets)];
        if (from < low || to > high) {
          throw new WorkerError(
            'INVALID_PARAMS',
            `the mosaic would move the stage ${axis} from ${from} to ${to} nm, beyond the stage ` +
              `limits [${low}, ${high}] nm (it starts at ${start[axis]} nm); nothing moved. Use ` +
              `fewer tiles, a smaller tile_size or more overlap, or move the stage towards 0`,
            { path: ['params', `tiles_${axis}`], allowed: [low, high], span: [from, to] },
          );
        }
      }

      const folder = artifacts.nextBase('mosaic');
      const stitcher = new Stitcher(layout.rows, layout.cols);
      const done: Array<{ row: number; col: number; stage: StagePosition; array_path: string }> =
        [];
      const total = layout.tiles.length;
      const center = microscope.fieldCenter;
      try {
        for (const [k, tile] of layout.tiles.entries()) {
          op.checkpoint();
          await column.moveStage(tile.stage);
          op.checkpoint();
          const label = `tile ${k + 1} of ${total} (row ${tile.row}, col ${tile.col})`;
          const image = await microscope.scanImage(
            {
              xCenter: center.x,
              yCenter: center.y,
              sizeX: p.tile_size,
              sizeY: p.tile_size,
              step: p.scan_step,
              dwellUs: p.dwell_us,
            },
            stepOperation(op, k, total, label),
          );
          // The scan ended at a line boundary or completed; only a complete tile goes further.
          op.checkpoint();
          const name = `${folder}/tile_r${pad(tile.row)}_c${pad(tile.col)}.npy`;
          const path = await artifacts.store.write(
            name,
            encodeNpy(image.data, [image.rows, image.cols]),
          );
          stitcher.add(image.data, image.rows, image.cols, tile.r0, tile.c0);
          column.recordImage(image, p.scan_step, {
            x_center: center.x,
            y_center: center.y,
            size_x: p.tile_size,
            size_y: p.tile_size,
          });
          done.push({ row: tile.row, col: tile.col, stage: tile.stage, array_path: path });
          op.progress(k + 1, total, `${label} done`);
        }
        op.checkpoint();
      } catch (err) {
        await column.moveStage(start);
        await artifacts.adopt(done.map((t) => t.array_path));
        throw stopped(err, done, total, start);
      }
      await column.moveStage(start);

      const image = stitcher.image();
      const rows = layout.rows;
      const cols = layout.cols;
      const png =
        settings.pngBitDepth === 16
          ? encodePng16(image, rows, cols)
          : encodePng8(image, rows, cols);
      const thumbnail = settings.thumbnails
        ? encodeThumbnail(image, rows, cols, THUMBNAIL_SIDE).catch(() => null)
        : null;
      const values = microscope.parameterValues();
      const metadata = {
        kind: 'mosaic',
        request_id: op.id,
        time: new Date().toISOString(),
        tiles_x: p.tiles_x,
        tiles_y: p.tiles_y,
        tile_size: p.tile_size,
        psize: p.scan_step,
        pitch: layout.pitch,
        overlap: layout.overlap,
        shape: [rows, cols],
        stage_start: start,
        tiles: done,
        parameters: Object.fromEntries(microscope.parameters.map((q, i) => [q.name, values[i]])),
        microscope: { kind: microscope.kind, ...microscope.describeState() },
      };
      const [pngPath, npyPath, metadataPath] = await artifacts.writeGroup(
        [
          [`${folder}/mosaic.png`, png],
          [`${folder}/mosaic.npy`, encodeNpy(image, [rows, cols])],
          [`${folder}/mosaic.json`, JSON.stringify(metadata, null, 2)],
        ],
        done.map((t) => t.array_path),
      );
      const thumb = thumbnail ? await thumbnail : null;
      return {
        img_path: pngPath,
        array_path: npyPath,
        metadata_path: metadataPath,
        shape: [rows, cols],
        psize: p.scan_step,
        pitch: layout.pitch,
        overlap: layout.overlap,
        stage: stage.position(),
        tiles: done,
        ...(thumb
          ? { mcp_images: [{ mime_type: 'image/png', data: thumb.toString('base64') }] }
          : {}),
      };
    },
  };
}

/** The error a stopped mosaic ends with: the cause's code, and what was done before it. */
function stopped(
  err: unknown,
  done: Array<{ row: number; col: number; array_path: string }>,
  total: number,
  start: StagePosition,
): unknown {
  if (!(err instanceof WorkerError)) return err;
  return new WorkerError(
    err.code,
    `${err.message}; acquire_mosaic stopped after ${done.length} of ${total} tiles: the tile in ` +
      `progress was discarded, the stage is back at (${start.x}, ${start.y}) nm and no stitched ` +
      'image was written',
    {
      ...err.data,
      tiles_completed: done.length,
      tiles_total: total,
      tiles: done,
      stage: start,
    },
  );
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
