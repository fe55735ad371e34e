import * as z from 'zod';

/** A number with its unit and range, described so that a model and a person can read both. */
export interface QuantityOptions {
  /** What it is: "Measurement range". */
  doc: string;
  /** SI unit symbol, e.g. V, A, Ω, s, Hz, m; `1` for a pure number. */
  unit: string;
  min?: number;
  max?: number;
  /** Whole numbers only. */
  int?: boolean;
}

/**
 * A zod number with min/max and a description such as "Measurement range, V, 0.1 … 1000". The
 * unit also goes into the JSON Schema as `x-unit`, where tool descriptions and clients find it.
 */
export function quantity(o: QuantityOptions): z.ZodNumber {
  let schema = o.int ? z.number().int() : z.number();
  if (o.min !== undefined) schema = schema.min(o.min);
  if (o.max !== undefined) schema = schema.max(o.max);
  const range =
    o.min !== undefined && o.max !== undefined
      ? `, ${o.min} … ${o.max}`
      : o.min !== undefined
        ? `, ≥ ${o.min}`
        : o.max !== undefined
          ? `, ≤ ${o.max}`
          : '';
  const unit = o.unit === '1' ? '' : `, ${o.unit}`;
  return schema.describe(`${o.doc}${unit}${range}`).meta({ 'x-unit': o.unit });
}
