import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type * as z from 'zod';
import { ConfigSchema, type Config } from './schema.js';

/** A config file that cannot be used; the message names the file, line, key path and what is allowed. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** A loaded config and where its relative paths are resolved from. */
export interface LoadedConfig {
  config: Config;
  /** The file it came from, or null for the built-in simulated lab. */
  source: string | null;
  /** Directory relative paths in the file are resolved against. */
  baseDir: string;
}

/** Reads and validates a YAML config file; with no file, the built-in simulated lab's defaults. */
export function loadConfig(file: string | undefined): LoadedConfig {
  if (file === undefined) {
    return { config: ConfigSchema.parse({}), source: null, baseDir: process.cwd() };
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  return { config: parseConfig(text, file), source: file, baseDir: dirname(resolve(file)) };
}

/** Parses config text; `source` names it in error messages. */
export function parseConfig(text: string, source: string): Config {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      `${source}: not valid YAML:\n  ${doc.errors.map((e) => e.message).join('\n  ')}`,
    );
  }
  const value: unknown = doc.toJS() ?? {};
  const parsed = ConfigSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const node = doc.getIn(issue.path, true) as { range?: [number, number, number] } | undefined;
    const where = node?.range ? `:${lines.linePos(node.range[0]).line}` : '';
    return `${source}${where}: ${describeIssue(issue, value)}`;
  });
  throw new ConfigError(`invalid config:\n  ${problems.join('\n  ')}`);
}

function describeIssue(issue: z.core.$ZodIssue, root: unknown): string {
  const key = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const section = key === '' ? 'the top level' : key;
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')} in ${section}; allowed: ${allowedKeys(issue.path)}`;
  }
  if (issue.code === 'invalid_key') {
    // zod reports a bad record key with the key's own issues nested inside.
    const keyName = String(issue.path[issue.path.length - 1]);
    return `${key}: the key ${JSON.stringify(keyName)} ${issue.issues.map((i) => i.message).join('; ')}`;
  }
  let value: unknown = root;
  for (const part of issue.path)
    value = (value as Record<PropertyKey, unknown> | undefined)?.[part];
  const got = value === undefined ? 'missing' : `got ${JSON.stringify(value)}`;
  return `${key}: ${issue.message} (${got})`;
}

function allowedKeys(path: PropertyKey[]): string {
  let schema: z.ZodType = ConfigSchema;
  for (const part of path) {
    const shape = objectShape(schema);
    if (!shape) break;
    schema = shape[String(part)];
  }
  const shape = schema ? objectShape(schema) : undefined;
  return shape ? Object.keys(shape).join(', ') : '(see README)';
}

function objectShape(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  let inner: unknown = schema;
  // Unwrap prefault/default/optional wrappers down to the object.
  for (let i = 0; i < 5 && inner; i++) {
    const def = (inner as { def?: { shape?: Record<string, z.ZodType>; innerType?: unknown } }).def;
    if (def?.shape) return def.shape;
    inner = def?.innerType;
  }
  return undefined;
}

/** The data directory: worker.data_dir, else $XDG_STATE_HOME/labrelay, else ~/.local/state/labrelay. */
export function dataDir(loaded: LoadedConfig): string {
  const configured = loaded.config.worker.data_dir;
  if (configured) return isAbsolute(configured) ? configured : join(loaded.baseDir, configured);
  const state = process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(state, 'labrelay');
}

/** The audit log path, or null when disabled. */
export function auditLogPath(loaded: LoadedConfig): string | null {
  const configured = loaded.config.worker.audit_log;
  if (configured === false) return null;
  const file = configured ?? 'audit.jsonl';
  return isAbsolute(file) ? file : join(dataDir(loaded), file);
}
