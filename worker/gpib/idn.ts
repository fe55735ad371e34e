/** An instrument's identity from its `*IDN?` reply. */
export interface Identity {
  manufacturer: string;
  model: string;
  serial: string;
  firmware: string;
  raw: string;
}

/**
 * Parses an IEEE 488.2 `*IDN?` reply: four comma-separated fields (manufacturer, model, serial,
 * firmware). Returns null for anything that is not one, such as an HP 3478A's syntax-error
 * silence or a reading.
 */
export function parseIdn(reply: string): Identity | null {
  const raw = reply.trim();
  const fields = raw.split(',').map((f) => f.trim());
  if (fields.length < 4 || !fields[0] || !fields[1]) return null;
  if (/^[+-]?\d/.test(fields[0])) return null;
  const [manufacturer, model, serial] = fields;
  return { manufacturer, model, serial, firmware: fields.slice(3).join(','), raw };
}
