const ESC = 0x1b;
const CR = 0x0d;
const LF = 0x0a;
const PLUS = 0x2b;
const BS = 0x08;

/**
 * Escapes a data message for the AR488/Prologix line protocol: CR and LF would end the line,
 * ESC is the escape itself and `+` could start a `++` command, so each is preceded by ESC
 * (Prologix manual p. 7; AR488 manual p. 11: `54 45 1B 53 2B 0D` → `54 45 1B 1B 53 1B 2B 1B 0D`).
 * BS is escaped too: the ESP32 fork's parser treats an unescaped BS as "delete the last byte",
 * and an escaped byte is taken literally by every firmware. The caller appends the unescaped
 * line ending that makes the adapter send the message.
 */
export function escapeData(data: Uint8Array): Buffer {
  let extra = 0;
  for (const b of data) if (needsEscape(b)) extra++;
  if (extra === 0) return Buffer.from(data);
  const out = Buffer.allocUnsafe(data.length + extra);
  let j = 0;
  for (const b of data) {
    if (needsEscape(b)) out[j++] = ESC;
    out[j++] = b;
  }
  return out;
}

function needsEscape(b: number): boolean {
  return b === ESC || b === CR || b === LF || b === PLUS || b === BS;
}

/** Shows bytes as printable text, other bytes as \xNN, for logs and the `wire` record. */
export function printable(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) {
    s +=
      b >= 0x20 && b < 0x7f && b !== 0x5c
        ? String.fromCharCode(b)
        : `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return s;
}
