import { unlink } from 'node:fs/promises';
import type { ArtifactStore } from '../artifacts/artifact-store.js';

/** Files written for one acquisition. */
export interface ArtifactGroup {
  paths: string[];
}

/**
 * Names and keeps the imaging artifacts (PNG, .npy, JSON sidecar) under `imaging/` of the artifact
 * directory, written atomically through the store. With `keepLast` > 0 only the newest groups
 * stay on disk, bounding disk use over a long focusing run; 0 keeps everything.
 */
export class ImagingArtifacts {
  private readonly groups: ArtifactGroup[] = [];
  private counter = 0;

  constructor(
    readonly store: ArtifactStore,
    private readonly keepLast: number,
  ) {}

  /** A new base name: `imaging/image_000012_2026-11-24T10-00-00-000Z`. */
  nextBase(kind: string): string {
    this.counter++;
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    return `imaging/${kind}_${String(this.counter).padStart(6, '0')}_${stamp}`;
  }

  /** Writes the files of one acquisition together and applies the retention limit. */
  async writeGroup(files: Array<[name: string, data: Uint8Array | string]>): Promise<string[]> {
    const paths = await Promise.all(files.map(([name, data]) => this.store.write(name, data)));
    this.groups.push({ paths });
    if (this.keepLast > 0) {
      while (this.groups.length > this.keepLast) {
        const old = this.groups.shift()!;
        await Promise.all(old.paths.map((p) => unlink(p).catch(() => {})));
      }
    }
    return paths;
  }
}
