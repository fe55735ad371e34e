import { WorkerError } from '../../protocol/index.js';

/** A position of the x/y stage, nm. */
export interface StagePosition {
  x: number;
  y: number;
}

/** Travel limits per axis, nm, inclusive. */
export interface StageLimits {
  x: [number, number];
  y: [number, number];
}

/**
 * What the imaging methods need from a specimen stage: where it is, how far it may go, and a
 * move that either completes or does not start.
 */
export interface XYStage {
  position(): StagePosition;
  readonly limits: StageLimits;
  /**
   * Moves to (x, y). Every target is checked against the limits before anything moves; a move,
   * once started, completes (a stage stopped halfway is somewhere nobody asked for), so a
   * cancel takes effect after it.
   */
  moveTo(target: StagePosition): Promise<StagePosition>;
}

/** Options of the simulated stage. */
export interface SimStageOptions {
  limits?: StageLimits;
  /** Travel speed, nm per ms: a move takes settle + distance / speed. */
  speedNmPerMs?: number;
  /** Settling time after every move, ms. */
  settleMs?: number;
}

/**
 * ±500 nm keeps the optical axis over the simulated 1024 nm specimen (its centre is at home),
 * so even at a limit a field of view has specimen under it.
 */
export const DEFAULT_STAGE_LIMITS: StageLimits = { x: [-500, 500], y: [-500, 500] };

/**
 * The simulated specimen stage. 1 stage unit of the scan coordinates is 1 nm of specimen, and
 * the stage position is added to every scanned coordinate: with the stage at (x, y), a scan
 * point (x_c, y_c) sees the specimen at (x_c + x, y_c + y). Home is (0, 0), where scan and
 * specimen coordinates coincide (EAA's coordinates stay valid until the stage moves).
 */
export class SimStage implements XYStage {
  readonly limits: StageLimits;
  private at: StagePosition = { x: 0, y: 0 };
  private readonly speed: number;
  private readonly settleMs: number;

  constructor(options: SimStageOptions = {}) {
    this.limits = structuredClone(options.limits ?? DEFAULT_STAGE_LIMITS);
    this.speed = options.speedNmPerMs ?? 50;
    this.settleMs = options.settleMs ?? 1;
  }

  position(): StagePosition {
    return { ...this.at };
  }

  async moveTo(target: StagePosition): Promise<StagePosition> {
    checkStageTarget(this.limits, target);
    const distance = Math.hypot(target.x - this.at.x, target.y - this.at.y);
    if (distance > 0) {
      // A plain timer, not op.sleep: the move is not abandoned halfway (see XYStage.moveTo).
      await new Promise((r) => setTimeout(r, this.settleMs + distance / this.speed));
    }
    this.at = { x: target.x, y: target.y };
    return this.position();
  }
}

/**
 * Refuses a target outside the limits (or not finite) with INVALID_PARAMS naming the axis, the
 * value and the allowed range; `path` is the params path to report (default `params.<axis>`).
 */
export function checkStageTarget(
  limits: StageLimits,
  target: StagePosition,
  path: (axis: 'x' | 'y') => Array<string | number> = (axis) => ['params', axis],
): void {
  for (const axis of ['x', 'y'] as const) {
    const value = target[axis];
    const [low, high] = limits[axis];
    if (!(Number.isFinite(value) && value >= low && value <= high)) {
      throw new WorkerError(
        'INVALID_PARAMS',
        `stage ${axis} = ${value} nm is outside the stage limits [${low}, ${high}] nm; the stage did not move`,
        { path: path(axis), value, allowed: [low, high] },
      );
    }
  }
}
