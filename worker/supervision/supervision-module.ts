import { closeSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { extname, isAbsolute, relative, sep } from 'node:path';
import { ARTIFACT_READ_MAX_BYTES, WorkerError, supervisionMethods } from '../../protocol/index.js';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { confinedPath } from '../artifacts/confined-path.js';
import type { AuditLog } from '../engine/audit-log.js';
import { defineModule, type MethodModule } from '../engine/method-module.js';

/** How much of the audit log's end audit_tail reads at most: lines are small (results > 4 KB are summarised). */
const TAIL_BYTES = 8 * 1024 * 1024;

const MIME: Record<string, string> = {
  '.png': 'image/png',
  '.npy': 'application/octet-stream',
  '.json': 'application/json',
  '.bin': 'application/octet-stream',
  '.csv': 'text/csv',
  '.txt': 'text/plain',
};

/** audit_tail and artifact_read: what the supervisor console reads from this worker. */
export function supervisionModule(o: { audit: AuditLog; artifacts: ArtifactStore }): MethodModule {
  return defineModule({
    methods: supervisionMethods,
    handlers: {
      audit_tail: ({ limit }) => ({ records: tail(o.audit.path, limit), path: o.audit.path }),
      artifact_read: ({ path }) => readArtifact(o.artifacts.root, path),
    },
  });
}

/** The last `limit` complete lines of the file, parsed; a line that does not parse is skipped. */
function tail(path: string | null, limit: number): Array<Record<string, unknown>> {
  if (path === null) return [];
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return [];
  }
  try {
    const size = statSync(path).size;
    const length = Math.min(size, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const lines = buffer.toString('utf8').split('\n');
    // The first line may be cut where the read began; the last is empty after the final newline.
    if (length < size) lines.shift();
    const records: Array<Record<string, unknown>> = [];
    for (const line of lines.slice(-limit - 1)) {
      if (!line) continue;
      try {
        records.push(JSON.parse(line));
      } catch {
        // A line cut by a crash mid-write: the rest are still good.
      }
    }
    return records.slice(-limit);
  } finally {
    closeSync(fd);
  }
}

function readArtifact(root: string, path: string) {
  let full: string;
  try {
    const name = isAbsolute(path) ? relative(root, path) : path;
    full = confinedPath(root, name.split(sep).join('/'));
    // A symbolic link inside the directory must not lead out of it.
    const real = realpathSync(full);
    const realRoot = realpathSync(root);
    if (real !== realRoot && !real.startsWith(realRoot + sep)) throw new Error('outside');
    full = real;
  } catch (err) {
    throw new WorkerError(
      'INVALID_PARAMS',
      `path ${JSON.stringify(path)} is not a file in the artifact directory ${root} (${(err as Error).message})`,
      { path: ['params', 'path'], value: path },
    );
  }
  const stat = statSync(full);
  if (!stat.isFile()) {
    throw new WorkerError('INVALID_PARAMS', `${path} is not a file`, { path: ['params', 'path'] });
  }
  if (stat.size > ARTIFACT_READ_MAX_BYTES) {
    throw new WorkerError(
      'INVALID_PARAMS',
      `${path} is ${stat.size} bytes, more than the ${ARTIFACT_READ_MAX_BYTES} artifact_read returns; read it on the lab machine`,
      { path: ['params', 'path'] },
    );
  }
  const fd = openSync(full, 'r');
  try {
    const data = Buffer.alloc(stat.size);
    readSync(fd, data, 0, stat.size, 0);
    return {
      path: full,
      bytes: stat.size,
      mime_type: MIME[extname(full).toLowerCase()] ?? 'application/octet-stream',
      data_base64: data.toString('base64'),
    };
  } finally {
    closeSync(fd);
  }
}
