/**
 * JSON has no NaN or ±Infinity: JSON.stringify silently turns them into null and JSON.parse
 * rejects the tokens Python's json emits for them. A result must never lose a value that way, so
 * the worker checks before it replies and reports where the bad value is.
 *
 * Returns a description of the first value JSON cannot carry faithfully, with its path
 * (`result.fit.sigma is NaN`), or null when the value is safe.
 */
export function findNonJson(value: unknown, path = 'result'): string | null {
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? null : `${path} is ${value}`;
    case 'bigint':
      return `${path} is a bigint`;
    case 'function':
    case 'symbol':
      return `${path} is a ${typeof value}`;
    case 'object': {
      if (value === null) return null;
      if (ArrayBuffer.isView(value)) return `${path} is a typed array (send a list or an artifact)`;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const found = findNonJson(value[i], `${path}[${i}]`);
          if (found) return found;
        }
        return null;
      }
      for (const [key, item] of Object.entries(value)) {
        if (item === undefined) continue;
        const found = findNonJson(item, `${path}.${key}`);
        if (found) return found;
      }
      return null;
    }
    default:
      return null;
  }
}
