import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from '../helpers/labrelay-process.js';

/*
 * The worker is read by capability: the engine below everything, the device model on the
 * engine, each capability on both, and the simulated hardware apart. Imports run one way; only
 * worker/start.ts, which wires them together, sees every folder.
 *
 *   start.ts ─▶ gpib, microscope, diagnostics ─▶ devices ─▶ engine, artifacts ─▶ protocol
 *   start.ts ─▶ safety (the policy, stop, approvals) ─▶ engine
 *   start.ts ─▶ supervision (audit_tail, artifact_read for the console) ─▶ engine, artifacts
 *               sim (AR488 emulator, simulated instruments): protocol only
 */
const ALLOWED: Record<string, string[]> = {
  engine: [],
  artifacts: [],
  sim: [],
  devices: ['engine', 'artifacts'],
  diagnostics: ['engine'],
  safety: ['engine'],
  supervision: ['engine', 'artifacts'],
  gpib: ['engine', 'devices', 'artifacts'],
  microscope: ['engine', 'devices', 'artifacts'],
};

const WORKER = join(ROOT, 'worker');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'tango' ? [] : sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** The top-level worker folder a path is in; `(root)` for worker/*.ts, null outside worker/. */
function folderOf(path: string): string | null {
  const rel = relative(WORKER, path);
  if (rel.startsWith('..')) return null;
  const parts = rel.split('/');
  return parts.length === 1 ? '(root)' : parts[0];
}

const IMPORT = /(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;
const imports = sources(WORKER).flatMap((file) =>
  [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) => ({
    file: relative(ROOT, file),
    from: folderOf(file)!,
    to: folderOf(normalize(join(dirname(file), m[1]))),
  })),
);

it('has one folder per capability and nothing else beside start.ts', () => {
  const entries = readdirSync(WORKER).sort();
  expect(entries).toEqual([...Object.keys(ALLOWED), 'start.ts', 'tango'].sort());
});

it('imports run one way: each folder only from the folders below it', () => {
  const wrong = imports
    .filter((i) => i.to !== null && i.from !== '(root)' && i.to !== i.from)
    .filter((i) => !ALLOWED[i.from]?.includes(i.to!))
    .map((i) => `${i.file} imports worker/${i.to}`);
  expect(wrong).toEqual([]);
});

it('no worker folder imports worker/start.ts', () => {
  expect(imports.filter((i) => i.to === '(root)' && i.from !== '(root)')).toEqual([]);
});
