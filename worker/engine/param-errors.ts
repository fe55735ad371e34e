import type * as z from 'zod';
import { WorkerError } from '../../protocol/index.js';

/**
 * Turns zod issues into one INVALID_PARAMS error a person (or a model) can act on: for each bad
 * field its path, the value that was sent, what zod objected to, and the field's own description
 * (which states units and ranges). `data.path` is the first bad field's path.
 */
export function invalidParams(
  method: string,
  schema: z.ZodObject,
  params: Record<string, unknown>,
  error: z.ZodError,
  listedName: (declared: string) => string = (declared) => declared,
): WorkerError {
  // Paths name arguments as the client sent them (MethodSpec.argumentNames), not as declared.
  const listedPath = (path: PropertyKey[]) =>
    path.map((key, i) => (i === 0 ? listedName(String(key)) : String(key)));
  const parts = error.issues.map((issue) =>
    describeIssue(schema, params, issue, listedPath, listedName),
  );
  const first = error.issues[0];
  return new WorkerError('INVALID_PARAMS', `invalid params for ${method}: ${parts.join('; ')}`, {
    path: first ? ['params', ...listedPath(first.path)] : ['params'],
    issues: error.issues.map((i) => ({ path: listedPath(i.path), message: i.message })),
  });
}

function describeIssue(
  schema: z.ZodObject,
  params: Record<string, unknown>,
  issue: z.core.$ZodIssue,
  listedPath: (path: PropertyKey[]) => string[],
  listedName: (declared: string) => string,
): string {
  if (issue.code === 'unrecognized_keys') {
    const allowed = Object.keys(schema.shape).map(listedName);
    return (
      `unknown parameter${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map(quote).join(', ')}; ` +
      (allowed.length ? `allowed: ${allowed.join(', ')}` : 'this method takes no parameters')
    );
  }
  const field = listedPath(issue.path).join('.') || '(params)';
  const value = valueAt(params, issue.path);
  const doc = topLevelDescription(schema, issue.path[0]);
  const sent = value === undefined ? 'is missing' : `= ${preview(value)}`;
  return `"${field}" ${sent}: ${lowerFirst(issue.message)}${doc ? ` (${doc})` : ''}`;
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function topLevelDescription(
  schema: z.ZodObject,
  key: PropertyKey | undefined,
): string | undefined {
  if (typeof key !== 'string') return undefined;
  // zod v4 keeps a description on the schema it was given: `.optional()` and `.default()` wrap
  // it in a new schema without one, so look through the wrappers for the field's own text.
  let field = schema.shape[key] as z.ZodType | undefined;
  for (let depth = 0; field && depth < 5; depth++) {
    if (field.description) return field.description;
    field = (field.def as { innerType?: z.ZodType }).innerType;
  }
  return undefined;
}

function preview(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

function quote(s: string): string {
  return `"${s}"`;
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}
