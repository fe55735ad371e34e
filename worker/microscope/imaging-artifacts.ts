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

  /**
   * Writes the files of one acquisition and applies the retention limit. Each file is written
   * as soon as its data is ready (the .npy while sharp still encodes the PNG); if any fails, the
   * others are removed, so a group is on disk whole or not at all.
   */
  async writeGroup(
    files: Array<[name: string, data: Uint8Array | string | Promise<Uint8Array | string>]>,
    /** Files already written that belong to the group (a mosaic's tiles), kept and removed with it. */
    written: string[] = [],
  ): Promise<string[]> {
    const writes = files.map(async ([name, data]) => this.store.write(name, await data));
    const settled = await Promise.allSettled(writes);
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) {
      await Promise.all(
        settled.map((r) => (r.status === 'fulfilled' ? unlink(r.value).catch(() => {}) : null)),
      );
      throw failed.reason;
    }
    const paths = settled.map((r) => (r as PromiseFulfilledResult<string>).value);
    await this.adopt([...paths, ...written]);
    return paths;
  }

  /**
   * Registers files written outside writeGroup (a cancelled mosaic's tiles) as one group, so
   * that retention counts and removes them like any other; nothing for an empty list.
   */
  async adopt(paths: string[]): Promise<void> {
    if (paths.length === 0) return;
    this.groups.push({ paths });
    if (this.keepLast > 0) {
      while (this.groups.length > this.keepLast) {
        const old = this.groups.shift()!;
        await Promise.all(old.paths.map((p) => unlink(p).catch(() => {})));
      }
    }
  }
}
