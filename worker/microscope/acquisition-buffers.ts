import { imageView, type ImageView } from './image-view.js';
import type { ScannedImage, ScannedLine } from './microscope.js';

/** A buffered image: its pixels as an ndarray view, shape [rows, cols], and its pixel size. */
export interface BufferedImage {
  view: ImageView;
  psize: number;
}

/** EAA's image acquisition history entry. */
export interface ImageCall {
  x_center: number;
  y_center: number;
  size_x: number;
  size_y: number;
  psize_x: number;
  psize_y: number;
}

/** EAA's line-scan history entry. */
export interface LineScanCall {
  x_center: number;
  y_center: number;
  length: number;
  step: number;
  angle: number;
}

/** Buffer aliases: EAA era B accepts current/previous/initial as well as the native names. */
const ALIASES: Record<string, 'image_k' | 'image_km1' | 'image_0'> = {
  current: 'image_k',
  previous: 'image_km1',
  initial: 'image_0',
  image_k: 'image_k',
  image_km1: 'image_km1',
  image_0: 'image_0',
};

/**
 * The acquisition buffers EAA's task managers read, updated exactly as its
 * `update_image_buffers`: the first image of the run also becomes `image_0`; then
 * `image_km1 ← image_k` and `image_k ← new`, each with its pixel size.
 */
export class AcquisitionBuffers {
  image_0: BufferedImage | null = null;
  image_km1: BufferedImage | null = null;
  image_k: BufferedImage | null = null;
  line_scan_k: ScannedLine | null = null;
  readonly imageCalls: ImageCall[] = [];
  readonly lineScanCalls: LineScanCall[] = [];
  counterAcquireImage = 0;
  counterLineScan = 0;

  pushImage(image: ScannedImage, psize: number, call: ImageCall): void {
    const buffered = { view: imageView(image.data, image.rows, image.cols), psize };
    if (this.image_0 === null) this.image_0 = buffered;
    this.image_km1 = this.image_k;
    this.image_k = buffered;
    this.imageCalls.push(call);
    this.counterAcquireImage++;
  }

  pushLineScan(line: ScannedLine, call: LineScanCall): void {
    this.line_scan_k = line;
    this.lineScanCalls.push(call);
    this.counterLineScan++;
  }

  /** The buffer an EAA name or alias refers to. */
  resolve(name: string): BufferedImage | null {
    const native = ALIASES[name];
    return native ? this[native] : null;
  }

  /** The native name (image_k…) for an alias. */
  static nativeName(name: string): 'image_k' | 'image_km1' | 'image_0' | undefined {
    return ALIASES[name];
  }
}
