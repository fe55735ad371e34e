import { isAbsolute, join, normalize, relative, sep } from 'node:path';

/**
 * Resolves a relative artifact name inside `root`, refusing anything that could land outside it:
 * absolute paths, `..` segments, empty or dot-only segments, NUL and control characters,
 * backslashes (a Windows separator smuggled through POSIX) and names over 255 bytes per segment.
 * Names come from labrelay itself or from a client; either way no file is written elsewhere.
 */
export function confinedPath(root: string, name: string): string {
  if (typeof name !== 'string' || name.length === 0) throw new Error('artifact name is empty');
  if (/[\u0000-\u001f\u007f\\]/.test(name)) {
    throw new Error(`artifact name ${JSON.stringify(name)} holds a control character or backslash`);
  }
  if (isAbsolute(name)) throw new Error(`artifact name ${JSON.stringify(name)} is absolute`);
  const parts = name.split('/');
  for (const part of parts) {
    if (part === '' || part === '.' || part === '..') {
      throw new Error(`artifact name ${JSON.stringify(name)} has an empty, "." or ".." segment`);
    }
    if (Buffer.byteLength(part) > 255)
      throw new Error(`artifact name segment is longer than 255 bytes`);
  }
  const full = normalize(join(root, name));
  const rel = relative(normalize(root), full);
  if (rel === '' || isAbsolute(rel) || rel.split(sep).includes('..')) {
    throw new Error(
      `artifact name ${JSON.stringify(name)} resolves outside the artifact directory`,
    );
  }
  return full;
}
