import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ArtifactStore } from '../../../worker/artifacts/artifact-store.js';
import { ImagingArtifacts } from '../../../worker/microscope/imaging-artifacts.js';

const fresh = (keepLast: number) => {
  const root = mkdtempSync(join(tmpdir(), 'labrelay-imaging-artifacts-'));
  return { root, artifacts: new ImagingArtifacts(new ArtifactStore(root), keepLast) };
};

it('writes a group whose data arrives later, and keeps only the newest keep_last groups', async () => {
  const { artifacts } = fresh(2);
  const groups = [];
  for (let i = 0; i < 3; i++) {
    const base = artifacts.nextBase('image');
    groups.push(
      await artifacts.writeGroup([
        [`${base}.png`, new Promise<Uint8Array>((r) => setTimeout(() => r(Buffer.from('png')), 5))],
        [`${base}.npy`, Buffer.from('npy')],
      ]),
    );
  }
  expect(groups[0].some(existsSync)).toBe(false);
  expect(groups.slice(1).flat().every(existsSync)).toBe(true);
});

it('leaves nothing of a group on disk when one of its files fails', async () => {
  const { root, artifacts } = fresh(0);
  const base = artifacts.nextBase('image');
  await expect(
    artifacts.writeGroup([
      [`${base}.npy`, Buffer.from('npy')],
      [`${base}.png`, Promise.reject(new Error('encoder failed'))],
      [`${base}.json`, '{}'],
    ]),
  ).rejects.toThrow('encoder failed');
  expect(readdirSync(join(root, 'imaging'))).toEqual([]);
});
