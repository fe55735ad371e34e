import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { confinedPath } from './confined-path.js';

/**
 * Files the worker produces for clients (binary blocks, images, arrays), under one directory.
 * Every write is atomic — a temporary name in the same directory, fsync, then rename — so a
 * reader (EAA's `np.load`, an image viewer) never sees half a file, even if the worker dies.
 */
export class ArtifactStore {
  constructor(readonly root: string) {}

  /** Writes `data` as `name` (relative, confined to the root); returns the absolute path. */
  async write(name: string, data: Uint8Array | string): Promise<string> {
    const path = confinedPath(this.root, name);
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    const handle = await open(temporary, 'wx', 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } catch (err) {
      await handle.close();
      await unlink(temporary).catch(() => {});
      throw err;
    }
    await handle.close();
    await rename(temporary, path);
    return path;
  }

  /** The absolute path a name would have, after the same confinement checks. */
  resolve(name: string): string {
    return confinedPath(this.root, name);
  }
}
