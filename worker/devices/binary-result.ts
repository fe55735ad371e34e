import * as z from 'zod';
import { McpImagesSchema } from '../../protocol/index.js';
import { encodeNpy, type NpyData } from '../artifacts/npy.js';
import { encodePng8, encodeThumbnail } from '../artifacts/png.js';
import type { DeviceContext } from './device-class.js';

/** Binary results up to this size travel inline as base64; larger ones are written as artifacts. */
export const INLINE_BYTES = 64 * 1024;
const THUMBNAIL_SIDE = 256;

const Metadata = z
  .record(z.string(), z.json())
  .describe('What the bytes are: shape, dtype, units…');

/**
 * A binary result as Asyncroscopy returns DevEncoded data, `{"encoding": "base64", "metadata",
 * "payload"}`, when small; when large, `{"encoding": "artifact", "metadata", "path", "bytes"}`
 * with the data in a file — never megabytes of base64 for a model to read.
 */
export const BinaryResultSchema = z.union([
  z.object({
    encoding: z.literal('base64'),
    metadata: Metadata,
    payload: z.string().describe('Base64 of the raw bytes (arrays: C order, little-endian).'),
  }),
  z.object({
    encoding: z.literal('artifact'),
    metadata: Metadata,
    path: z.string().describe('Absolute path of the file holding the data.'),
    bytes: z.number().int().describe('Size of the data in bytes.'),
  }),
]);

/** An image result: the PNG and the raw array as files, and optionally a thumbnail to look at. */
export const ImageResultSchema = z.object({
  img_path: z.string().describe('Absolute path of the PNG (8-bit, auto-contrast).'),
  array_path: z.string().describe('Absolute path of the .npy with the raw values.'),
  metadata: Metadata,
  mcp_images: McpImagesSchema,
});

/** Returns `bytes` inline when small, else writes them under the device's artifact folder. */
export async function binaryResult(
  ctx: DeviceContext<unknown>,
  o: { bytes: Uint8Array; metadata: Record<string, unknown>; fileName: string },
): Promise<z.input<typeof BinaryResultSchema>> {
  const metadata = o.metadata as Record<string, z.core.util.JSONType>;
  if (o.bytes.byteLength <= INLINE_BYTES) {
    return {
      encoding: 'base64',
      metadata,
      payload: Buffer.from(o.bytes.buffer, o.bytes.byteOffset, o.bytes.byteLength).toString(
        'base64',
      ),
    };
  }
  const path = await ctx.artifacts.write(artifactName(ctx, o.fileName), o.bytes);
  return { encoding: 'artifact', metadata, path, bytes: o.bytes.byteLength };
}

/**
 * A numeric array as a binary result: raw little-endian C-order bytes with `dtype` and `shape`
 * in the metadata (numpy: `np.frombuffer(b64decode(payload), dtype).reshape(shape)`), or, when
 * large, an .npy file.
 */
export async function arrayResult(
  ctx: DeviceContext<unknown>,
  o: {
    data: NpyData;
    shape: number[];
    metadata: Record<string, unknown>;
    name: string;
    /** `always`: write the .npy even when small (a record worth keeping, e.g. a waveform). */
    store?: 'auto' | 'always';
  },
): Promise<z.input<typeof BinaryResultSchema>> {
  const npy = encodeNpy(o.data, o.shape);
  const dtype = npyDtype(npy);
  const metadata = { ...o.metadata, dtype, shape: o.shape };
  if (o.store !== 'always' && o.data.byteLength <= INLINE_BYTES) {
    return binaryResult(ctx, {
      bytes: new Uint8Array(o.data.buffer, o.data.byteOffset, o.data.byteLength),
      metadata,
      fileName: `${o.name}.bin`,
    });
  }
  const path = await ctx.artifacts.write(artifactName(ctx, `${o.name}.npy`), npy);
  return { encoding: 'artifact', metadata, path, bytes: npy.byteLength };
}

/** An image as a PNG and an .npy, with a small PNG for clients that show images when asked. */
export async function imageResult(
  ctx: DeviceContext<unknown>,
  o: {
    data: Float32Array;
    rows: number;
    cols: number;
    metadata: Record<string, unknown>;
    name: string;
    thumbnail: boolean;
  },
): Promise<z.input<typeof ImageResultSchema>> {
  const [png, thumb] = await Promise.all([
    encodePng8(o.data, o.rows, o.cols),
    o.thumbnail ? encodeThumbnail(o.data, o.rows, o.cols, THUMBNAIL_SIDE) : null,
  ]);
  const base = artifactName(ctx, o.name);
  const [img_path, array_path] = await Promise.all([
    ctx.artifacts.write(`${base}.png`, png),
    ctx.artifacts.write(`${base}.npy`, encodeNpy(o.data, [o.rows, o.cols])),
  ]);
  return {
    img_path,
    array_path,
    metadata: { ...o.metadata, shape: [o.rows, o.cols], dtype: 'float32' } as Record<
      string,
      z.core.util.JSONType
    >,
    ...(thumb ? { mcp_images: [{ mime_type: 'image/png', data: thumb.toString('base64') }] } : {}),
  };
}

/** `devices/<device>/<name>_<time>`, the device name made safe for a path. */
function artifactName(ctx: DeviceContext<unknown>, name: string): string {
  const folder = ctx.device.name.replace(/[^A-Za-z0-9_.-]+/g, '_');
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dot = name.lastIndexOf('.');
  return dot > 0
    ? `devices/${folder}/${name.slice(0, dot)}_${stamp}${name.slice(dot)}`
    : `devices/${folder}/${name}_${stamp}`;
}

/** numpy's dtype name for the .npy just encoded (its header holds the descr, e.g. '<f4'). */
function npyDtype(npy: Buffer): string {
  const descr = /'descr': '([^']+)'/.exec(npy.subarray(0, 128).toString('latin1'))?.[1] ?? '';
  const names: Record<string, string> = {
    '<f4': 'float32',
    '<f8': 'float64',
    '<u2': 'uint16',
    '|u1': 'uint8',
    '<i4': 'int32',
  };
  return names[descr] ?? descr;
}
