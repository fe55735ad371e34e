import { randomBytes } from 'node:crypto';

/** Strings at least this long are candidates for splicing. */
const SPLICE_AT = 64 * 1024;
/** A run of characters JSON.stringify leaves as they are: printable ASCII but `"` and `\\`. */
const PLAIN_RUN = /[\x20\x21\x23-\x5b\x5d-\x7e]*/y;

/**
 * JSON.stringify, except that long strings of plain printable ASCII (base64 array payloads) are
 * spliced in between quotes instead of being copied through JSON.stringify's escaping loop,
 * which on Node 20 runs at about 0.5 GB/s against 1.7 GB/s for the regular-expression check
 * that proves the string needs no escaping. The result is a rope; byte for byte the same text.
 */
export function stringifyWithSplices(value: unknown): string {
  const long: string[] = [];
  collectLong(value, long, 0);
  if (long.length === 0) return JSON.stringify(value);
  // An array, not a Set: a Set would hash every character; indexOf matches by identity first.
  const plain = long.filter((s, i) => long.indexOf(s) === i && isPlain(s));
  if (plain.length === 0) return JSON.stringify(value);
  // A per-call nonce: no string in the value can be mistaken for a marker.
  const nonce = randomBytes(9).toString('hex');
  const text = JSON.stringify(value, (_key, v: unknown) => {
    const i = typeof v === 'string' && v.length >= SPLICE_AT ? plain.indexOf(v) : -1;
    return i >= 0 ? `${nonce}:${i}` : v;
  });
  // split with a capture group alternates text and marker index; `+` joins without copying.
  const parts = text.split(new RegExp(`(?<=")${nonce}:(\\d+)(?=")`));
  let out = parts[0];
  for (let i = 1; i < parts.length; i += 2) out = out + plain[Number(parts[i])] + parts[i + 1];
  return out;
}

/** Whether JSON.stringify would copy `s` unchanged; a sticky match is ~1.5× faster than a search. */
function isPlain(s: string): boolean {
  PLAIN_RUN.lastIndex = 0;
  return PLAIN_RUN.exec(s)![0].length === s.length;
}

function collectLong(value: unknown, into: string[], depth: number): void {
  if (typeof value === 'string') {
    if (value.length >= SPLICE_AT) into.push(value);
  } else if (typeof value === 'object' && value !== null && depth < 64) {
    for (const item of Array.isArray(value) ? value : Object.values(value)) {
      if (typeof item === 'object' || typeof item === 'string') collectLong(item, into, depth + 1);
    }
  }
}
