import { parentPort, workerData } from 'node:worker_threads';
import { Sample } from './sample.js';
import { needsColumns, runPhase, type PhaseRequest, type ScanJob } from './scan-job.js';

/**
 * A scan thread (see scan-pool.ts): holds a view of the shared specimen and runs the phases it
 * is sent over the shared scan buffers, one at a time, replying with the phase's statistics.
 */
interface ThreadData {
  width: number;
  height: number;
  data: SharedArrayBuffer;
}

interface PhaseMessage {
  job: ScanJob;
  a: SharedArrayBuffer;
  b: SharedArrayBuffer;
  request: PhaseRequest;
}

const { width, height, data } = workerData as ThreadData;
const sample = new Sample(width, height, new Float32Array(data));

parentPort!.on('message', (m: PhaseMessage) => {
  try {
    const n = m.job.grid.rows * m.job.grid.cols;
    const result = runPhase(
      sample,
      m.job,
      { a: new Float32Array(m.a, 0, n), b: new Float32Array(m.b, 0, needsColumns(m.job) ? n : 0) },
      m.request,
    );
    parentPort!.postMessage({ ok: true, result });
  } catch (err) {
    parentPort!.postMessage({ ok: false, error: err instanceof Error ? err.stack : String(err) });
  }
});
