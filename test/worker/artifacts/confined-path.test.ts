import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArtifactStore } from '../../../worker/artifacts/artifact-store.js';
import { confinedPath } from '../../../worker/artifacts/confined-path.js';

const ROOT = '/srv/labrelay/artifacts';

describe('confinedPath', () => {
  it.each([
    'a.png',
    'gpib/bench-a/x.bin',
    'deep/er/still/ok.npy',
    'spaces are fine.txt',
    'ünïcode.json',
    '...dots',
    'a..b',
  ])('accepts %s inside the root', (name) => {
    expect(confinedPath(ROOT, name).startsWith(`${ROOT}/`)).toBe(true);
  });

  const escapes = [
    '../etc/passwd',
    '..',
    '.',
    'a/../../b',
    'a/..',
    '/etc/passwd',
    '//etc/passwd',
    'a//b',
    'a/./b',
    './a',
    'a/',
    '',
    'a\\..\\b',
    '..\\x',
    'nul\u0000byte',
    'line\nfeed',
    'tab\there',
    'esc\u001b',
    'del\u007f',
    `${'x'.repeat(256)}`,
    `ok/${'y'.repeat(300)}/z`,
  ];
  it.each(escapes)('refuses %j', (name) => {
    expect(() => confinedPath(ROOT, name)).toThrow(/artifact name/);
  });

  it('refuses every traversal built from ".." at any depth', () => {
    for (let depth = 1; depth <= 6; depth++) {
      const ups = Array.from({ length: depth }, () => '..').join('/');
      for (const name of [ups, `${ups}/x`, `a/${ups}`, `a/b/${ups}/c`])
        expect(() => confinedPath(ROOT, name)).toThrow();
    }
  });
});

describe('ArtifactStore', () => {
  it('writes atomically under its root and leaves no temporary files', async () => {
    const root = mkdtempSync(join(tmpdir(), 'labrelay-artifacts-'));
    const store = new ArtifactStore(root);
    const path = await store.write('gpib/bench-a/block.bin', Buffer.from([1, 2, 3]));
    expect(path).toBe(join(root, 'gpib/bench-a/block.bin'));
    expect([...readFileSync(path)]).toEqual([1, 2, 3]);
    await store.write('gpib/bench-a/block.bin', 'replaced');
    expect(readFileSync(path, 'utf8')).toBe('replaced');
    expect(readdirSync(join(root, 'gpib/bench-a'))).toEqual(['block.bin']);
    await expect(store.write('../outside.bin', 'x')).rejects.toThrow(/artifact name/);
  });
});
