import { WorkerError } from '../../protocol/index.js';

/**
 * Params under the names a method declares: each listed name (`from_`) becomes its declared one
 * (`from`), see MethodSpec.argumentNames. A declared name sent as it is, where the method lists
 * it under another, is refused as unknown: the listed schema is the contract, and taking both
 * spellings would let one argument arrive twice.
 */
export function toDeclaredNames(
  method: string,
  params: Record<string, unknown>,
  names: Readonly<Record<string, string>>,
): Record<string, unknown> {
  const declared: Record<string, unknown> = {};
  const listedOf = new Map(Object.entries(names).map(([listed, own]) => [own, listed]));
  for (const [key, value] of Object.entries(params)) {
    const listed = listedOf.get(key);
    if (listed !== undefined && listed !== key) {
      throw new WorkerError(
        'INVALID_PARAMS',
        `invalid params for ${method}: unknown parameter "${key}"; it is listed as "${listed}"`,
        { path: ['params', key], issues: [{ path: [key], message: `listed as ${listed}` }] },
      );
    }
    declared[names[key] ?? key] = value;
  }
  return declared;
}

/** The listed name of each declared name, for error messages (identity when none is renamed). */
export function listedNameOf(
  names: Readonly<Record<string, string>> | undefined,
): (declared: string) => string {
  if (!names) return (declared) => declared;
  const listedOf = new Map(Object.entries(names).map(([listed, own]) => [own, listed]));
  return (declared) => listedOf.get(declared) ?? declared;
}
