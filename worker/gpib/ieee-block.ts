/**
 * IEEE 488.2 definite-length arbitrary block: `#<n><len: n digits><len bytes>`, usually followed
 * by NL^END. The adapter passes it through unparsed, so the host reads the header to know how
 * many bytes belong to the block — CR and LF inside it mean nothing.
 */
export interface BlockHeader {
  /** Offset of the first data byte. */
  dataStart: number;
  /** Data bytes announced by the header. */
  length: number;
}

/**
 * Parses a block header at the start of `bytes` (after optional leading whitespace). Returns
 * undefined while the header is incomplete, null when the bytes are not a definite-length block
 * (`#0` indefinite blocks are not definite-length either).
 */
export function parseBlockHeader(bytes: Uint8Array): BlockHeader | null | undefined {
  let i = 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09)) i++;
  if (i >= bytes.length) return undefined;
  if (bytes[i] !== 0x23 /* # */) return null;
  if (i + 1 >= bytes.length) return undefined;
  const n = bytes[i + 1] - 0x30;
  if (n < 1 || n > 9) return null;
  if (i + 2 + n > bytes.length) return undefined;
  let length = 0;
  for (let k = 0; k < n; k++) {
    const d = bytes[i + 2 + k] - 0x30;
    if (d < 0 || d > 9) return null;
    length = length * 10 + d;
  }
  return { dataStart: i + 2 + n, length };
}
