/**
 * How long a method may run, as data both processes can evaluate: a base plus terms that scale
 * with parameters (`ms_per_unit × p1 × p2 … / d1 / d2 …`, e.g. pixels × dwell time for a scan of
 * size / step pixels). The worker enforces it from the moment the operation starts; the client
 * waits for the queue timeout plus this plus slack, so the worker always reports the specific
 * failure before the client gives up with a generic one.
 */
export interface DeadlineSpec {
  base_ms: number;
  terms?: Array<{ params: string[]; divide_by?: string[]; ms_per_unit: number }>;
}

/**
 * Evaluates a deadline for concrete params. A missing or non-numeric param takes its default
 * from `defaults` (the JSON Schema defaults) or counts as 0.
 */
export function deadlineMs(
  spec: DeadlineSpec,
  params: Record<string, unknown>,
  defaults: Record<string, unknown> = {},
): number {
  let total = spec.base_ms;
  for (const term of spec.terms ?? []) {
    const valueOf = (name: string): number => {
      const value = params[name] ?? defaults[name];
      return typeof value === 'number' && Number.isFinite(value) ? Math.abs(value) : 0;
    };
    let product = term.ms_per_unit;
    for (const name of term.params) product *= valueOf(name);
    for (const name of term.divide_by ?? []) {
      const divisor = valueOf(name);
      product = divisor > 0 ? product / divisor : 0;
    }
    total += product;
  }
  return Math.ceil(total);
}
