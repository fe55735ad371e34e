import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Sample } from './sample.js';
import {
  blockCounts,
  mergeResults,
  needsColumns,
  runPhase,
  type PhaseRequest,
  type PhaseResult,
  type ScanJob,
} from './scan-job.js';

/** Below this many pixels a scan runs in the calling thread: messages would cost more than they save. */
const INLINE_PIXELS = 128 * 128;

/** A finished scan: the image (backed by shared memory) and its statistics after noise. */
export interface ScanOutput {
  data: Float32Array;
  stats: { min: number; max: number; mean: number };
}

/** Something between phases: the operation's checkpoint, so a cancel lands there. */
export type Checkpoint = () => void;

/**
 * Runs simulated raster scans on worker threads. The simulator stands in for an instrument, and
 * an instrument computes elsewhere: a 2048² scan takes a few hundred ms of arithmetic, which on
 * the worker's event loop would hold up every other request (a GPIB query, `health`, a
 * `cancel`) for that long. The threads share the specimen and each scan's buffers
 * (SharedArrayBuffer, no copies) and split every phase by blocks, so on a multi-core machine a
 * scan also finishes sooner. One scan runs at a time; callers queue.
 */
export class ScanPool {
  private readonly threads: ScanThread[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly buffers = { a: new SharedArrayBuffer(0), b: new SharedArrayBuffer(0) };

  /** `sample` should be backed by a SharedArrayBuffer (see shareSample) so threads need no copy. */
  constructor(
    private readonly sample: Sample,
    private readonly threadCount: number,
  ) {}

  /** Runs one scan; phases go to the threads, or run here for small images. */
  scan(job: ScanJob, checkpoint: Checkpoint = () => {}): Promise<ScanOutput> {
    const run = this.queue.then(() => this.run(job, checkpoint));
    this.queue = run.catch(() => {});
    return run;
  }

  /** Ends the threads; a scan in progress fails. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.threads.splice(0).map((t) => t.terminate()));
  }

  private async run(job: ScanJob, checkpoint: Checkpoint): Promise<ScanOutput> {
    if (this.closed) throw new Error('the scan threads are closed');
    const { rows, cols } = job.grid;
    const columns = needsColumns(job);
    const n = rows * cols;
    const a = this.scratch('a', n);
    const b = this.scratch('b', columns ? n : 0);
    const { rowBlocks, columnBands } = blockCounts(job.grid);
    const inline = rows * cols <= INLINE_PIXELS || this.threadCount === 0;
    const phase = (count: number, make: (from: number, to: number) => PhaseRequest) =>
      inline
        ? Promise.resolve(
            runPhase(
              this.sample,
              job,
              { a: new Float32Array(a, 0, n), b: new Float32Array(b, 0, columns ? n : 0) },
              make(0, count),
            ),
          )
        : this.spread(count, make, (thread, request) => thread.run({ job, a, b, request }));

    let before = await phase(rowBlocks, (from, to) => ({ phase: 'rows', from, to }));
    checkpoint();
    if (columns) {
      before = await phase(columnBands, (from, to) => ({ phase: 'columns', from, to }));
      checkpoint();
    }
    // EAA: s = poisson_noise_scale / max(arr), over the whole blurred image.
    const countsPerUnit =
      job.noiseScale > 0 && Number.isFinite(job.noiseScale) && before.max > 0
        ? job.noiseScale / before.max
        : 0;
    const after = await phase(rowBlocks, (from, to) => ({
      phase: 'noise',
      from,
      to,
      countsPerUnit,
    }));
    return {
      // A copy out of the scratch memory (~1 ms per million pixels): the image is kept in the
      // buffers long after the next scan reuses the scratch.
      data: new Float32Array(a, 0, n).slice(),
      stats:
        n > 0
          ? { min: after.min, max: after.max, mean: after.sum / n }
          : { min: 0, max: 0, mean: 0 },
    };
  }

  /** Splits `count` blocks into contiguous ranges, one per thread, and merges the results. */
  private async spread(
    count: number,
    make: (from: number, to: number) => PhaseRequest,
    send: (thread: ScanThread, request: PhaseRequest) => Promise<PhaseResult>,
  ): Promise<PhaseResult> {
    const n = Math.min(this.threadCount, count);
    const parts: Promise<PhaseResult>[] = [];
    for (let t = 0; t < n; t++) {
      const from = Math.floor((t * count) / n);
      const to = Math.floor(((t + 1) * count) / n);
      if (to > from) parts.push(send(this.thread(t), make(from, to)));
    }
    return mergeResults(await Promise.all(parts));
  }

  /**
   * Scratch memory reused from scan to scan. A new SharedArrayBuffer per scan would leak: each
   * thread keeps its views until its own garbage collector runs, which an idle thread never does.
   */
  private scratch(name: 'a' | 'b', floats: number): SharedArrayBuffer {
    const current = this.buffers[name];
    if (current.byteLength >= floats * 4) return current;
    const grown = new SharedArrayBuffer(floats * 4);
    this.buffers[name] = grown;
    return grown;
  }

  private thread(i: number): ScanThread {
    const existing = this.threads[i];
    if (existing && !existing.dead) return existing;
    const thread = new ScanThread(this.sample);
    this.threads[i] = thread;
    return thread;
  }
}

/** Copies a specimen into shared memory, once, so every scan thread can read it in place. */
export function shareSample(sample: Sample): Sample {
  if (sample.data.buffer instanceof SharedArrayBuffer) return sample;
  const data = new Float32Array(new SharedArrayBuffer(sample.data.byteLength));
  data.set(sample.data);
  return new Sample(sample.width, sample.height, data, sample.features);
}

/** One thread; a phase at a time. A thread that dies fails its phase and is replaced on next use. */
class ScanThread {
  dead = false;
  private readonly worker: Worker;
  private pending: { resolve(r: PhaseResult): void; reject(e: Error): void } | null = null;

  constructor(sample: Sample) {
    this.worker = new Worker(threadEntry(), {
      workerData: {
        width: sample.width,
        height: sample.height,
        data: sample.data.buffer as SharedArrayBuffer,
      },
    });
    this.worker.on(
      'message',
      (m: { ok: true; result: PhaseResult } | { ok: false; error: string }) => {
        const pending = this.pending;
        this.pending = null;
        if (m.ok) pending?.resolve(m.result);
        else pending?.reject(new Error(`scan thread failed: ${m.error}`));
      },
    );
    const fail = (reason: string) => {
      this.dead = true;
      this.pending?.reject(new Error(`scan thread ${reason}`));
      this.pending = null;
    };
    this.worker.on('error', (err) => fail(`crashed: ${err.stack ?? String(err)}`));
    this.worker.on('exit', (code) => fail(`exited with code ${code}`));
  }

  run(message: {
    job: ScanJob;
    a: SharedArrayBuffer;
    b: SharedArrayBuffer;
    request: PhaseRequest;
  }): Promise<PhaseResult> {
    if (this.dead) return Promise.reject(new Error('scan thread is not running'));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage(message);
    });
  }

  async terminate(): Promise<void> {
    this.dead = true;
    await this.worker.terminate();
  }
}

/**
 * The thread's module: scan-thread.js beside this file. Under vitest this file runs from its
 * TypeScript source, which a worker thread cannot load, so the built copy in dist/ is used.
 */
function threadEntry(): URL {
  const beside = new URL('./scan-thread.js', import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return pathToFileURL(join(dir, 'dist', 'worker', 'microscope', 'sim', 'scan-thread.js'));
}
