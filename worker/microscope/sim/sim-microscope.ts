import type { OperationContext } from '../../engine/method-module.js';
import { Aberrations } from './aberrations.js';
import { gaussianBlur1d } from './blur.js';
import {
  sampleCount,
  type LineRequest,
  type OpticsParameter,
  type ScanRequest,
  type ScannedImage,
  type ScannedLine,
  type ScanningMicroscope,
} from '../microscope.js';
import { applyPoissonNoise } from './noise.js';
import { Rng } from './rng.js';
import { FOCUS_LINE, Sample } from './sample.js';
import { sampleLine } from './sampling.js';
import { ScanPool, shareSample } from './scan-pool.js';
import { SpecimenMaterials } from './spectra/specimen-materials.js';
import { SimStage, type SimStageOptions } from '../stage.js';

/** A simulated optics parameter also knows the value that focuses. */
export interface SimOpticsParameter extends OpticsParameter {
  trueValue: number;
}

/** Defocus C1 over a focus parameter's whole range, nm (what a corrector's C1 measurement reports). */
export const C1_RANGE_NM = 1000;

/** The simulator's knobs; the object is shared so set_attribute changes take effect at once. */
export interface SimSettings {
  blurFactor: number;
  driftFactor: number;
  poissonNoiseScale: number;
  scanJitter: number;
}

/**
 * A scanning microscope over a seeded, persistent specimen, behaving as EAA's
 * SimulatedAcquireImage + SimulatedSetParameters: blur grows with the parameters' distance from
 * focus (Σ|p − p_true| / (upper − lower) × blur_factor, in output samples), the stage drifts as
 * the parameters move away from the first ones set (mean((p_first − p) / range) × drift_factor,
 * the same in y and x), and Poisson noise scales with poisson_noise_scale. A specimen stage
 * shifts every scan by its position, and residual probe aberrations (a corrector's business)
 * add to the blur in quadrature.
 */
export class SimMicroscope implements ScanningMicroscope {
  readonly kind = 'simulated';
  readonly sample: Sample;
  readonly stage: SimStage;
  /** Residual probe aberrations, read at every scan: a correction shows in the next one. */
  readonly aberrations: Aberrations;
  /** What the specimen is made of where, for spectra. */
  readonly materials: SpecimenMaterials;
  /** The specimen's centre: with the stage at home the optical axis is over it. */
  readonly fieldCenter: { x: number; y: number };

  /** The specimen's focus line (sample.ts) where a scan sees it now: the stage moves it. */
  get focusLine(): { x: number; y: number } {
    const { x, y } = this.stage.position();
    return { x: FOCUS_LINE.x - x, y: FOCUS_LINE.y - y };
  }
  /** EAA's blur from the optics parameters, σ in output samples; aberrations come on top. */
  blur = 0;
  /** EAA's stage drift [dy, dx] from parameter changes; the stage position comes on top. */
  offset: [number, number] = [0, 0];
  private values: number[];
  private first: number[] | null = null;
  private readonly rng: Rng;

  private readonly pool: ScanPool;
  private scans = 0;

  /** `scanThreads` threads compute image scans (0: on the calling thread). */
  constructor(
    readonly parameters: ReadonlyArray<SimOpticsParameter>,
    private readonly settings: SimSettings,
    readonly seed: number,
    scanThreads = 0,
    options: { stage?: SimStageOptions } = {},
  ) {
    this.sample = shareSample(Sample.generate({ seed }));
    this.pool = new ScanPool(this.sample, scanThreads);
    this.rng = new Rng(seed ^ 0x5eed);
    this.stage = new SimStage(options.stage);
    this.aberrations = new Aberrations(seed);
    this.materials = new SpecimenMaterials(this.sample);
    this.fieldCenter = { x: this.sample.width / 2, y: this.sample.height / 2 };
    this.values = parameters.map((p) => p.initial);
    this.updateBlur();
  }

  parameterValues(): number[] {
    return [...this.values];
  }

  async setParameters(values: number[]): Promise<void> {
    this.values = [...values];
    this.updateBlur();
    if (this.first === null) {
      this.first = [...values];
      return;
    }
    const d =
      (values.reduce((sum, p, i) => sum + (this.first![i] - p) / this.range(i), 0) /
        values.length) *
      this.settings.driftFactor;
    this.offset = [d, d];
  }

  async scanImage(r: ScanRequest, op: OperationContext): Promise<ScannedImage> {
    const rows = sampleCount(r.sizeY, r.step);
    const cols = sampleCount(r.sizeX, r.step);
    const { data, stats } = await this.pool.scan(
      {
        grid: {
          y0: r.yCenter - r.sizeY / 2,
          x0: r.xCenter - r.sizeX / 2,
          step: r.step,
          rows,
          cols,
        },
        offset: this.totalOffset(),
        jitter: this.settings.scanJitter,
        blur: this.probeBlur(),
        noiseScale: r.noiseScale ?? this.settings.poissonNoiseScale,
        seed: this.seed,
        scanIndex: this.scans++,
      },
      () => op.checkpoint(),
    );
    await dwell(op, rows, cols * r.dwellUs, 'lines');
    return { data, rows, cols, stats };
  }

  async scanLine(r: LineRequest, op: OperationContext): Promise<ScannedLine> {
    const n = sampleCount(r.length, r.step);
    const theta = (r.angleDeg * Math.PI) / 180;
    const unit: [number, number] = [Math.sin(theta), Math.cos(theta)];
    const start: [number, number] = [
      r.yCenter - (r.length / 2) * unit[0],
      r.xCenter - (r.length / 2) * unit[1],
    ];
    const distances = new Float64Array(n);
    for (let i = 0; i < n; i++) distances[i] = i * r.step;
    let values = sampleLine(this.sample, start, unit, distances, {
      offset: this.totalOffset(),
      jitter: this.settings.scanJitter,
      rng: this.rng,
    });
    const blur = this.probeBlur();
    if (blur > 0) values = gaussianBlur1d(values, blur);
    applyPoissonNoise(values, this.settings.poissonNoiseScale, this.rng);
    await dwell(op, n, r.dwellUs, 'points');
    return { distances, values };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  describeState(): Record<string, unknown> {
    return {
      blur: this.blur,
      offset: [...this.offset],
      stage: this.stage.position(),
      aberration_blur: this.aberrations.blurSamples(),
    };
  }

  /** The specimen point (y, x) a scan coordinate sees now: drift and stage added. */
  specimenPoint(scanY: number, scanX: number): [number, number] {
    const [dy, dx] = this.totalOffset();
    return [scanY + dy, scanX + dx];
  }

  /**
   * Defocus C1, nm, from the focus parameter (index `focus`): its distance from the value that
   * focuses, as a share of its range, times C1_RANGE_NM. Positive: the parameter is too high.
   */
  defocusNm(focus: number): number {
    return (
      ((this.values[focus] - this.parameters[focus].trueValue) / this.range(focus)) * C1_RANGE_NM
    );
  }

  /**
   * The probe's blur: EAA's focus blur and the aberrations' add in quadrature, as independent
   * Gaussian spreads do. A tuned corrector's residuals stay below what the blur kernel resolves.
   */
  private probeBlur(): number {
    return Math.hypot(this.blur, this.aberrations.blurSamples());
  }

  private updateBlur(): void {
    const error = this.values.reduce(
      (sum, p, i) => sum + Math.abs(p - this.parameters[i].trueValue) / this.range(i),
      0,
    );
    this.blur = error * this.settings.blurFactor;
  }

  private totalOffset(): [number, number] {
    const { x, y } = this.stage.position();
    return [this.offset[0] + y, this.offset[1] + x];
  }

  private range(i: number): number {
    return this.parameters[i].upper - this.parameters[i].lower;
  }
}

/**
 * Spends the scan's dwell time: `units` lines of `perUnitUs` each, in up to 20 steps with a
 * progress report after each. Waiting is the safe point: a cancel lands between lines.
 */
async function dwell(
  op: OperationContext,
  units: number,
  perUnitUs: number,
  what: string,
): Promise<void> {
  const totalMs = (units * perUnitUs) / 1000;
  if (totalMs <= 0) return;
  const steps = Math.min(20, units);
  for (let i = 1; i <= steps; i++) {
    await op.sleep(totalMs / steps);
    op.progress(
      Math.round((i * units) / steps),
      units,
      `${Math.round((i * units) / steps)} of ${units} ${what}`,
    );
  }
}
