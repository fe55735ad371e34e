import type * as z from 'zod';
import type { DeadlineSpec } from './deadline.js';
import type { ResourceTemplate } from './resource.js';

/** Params are always an object with known keys; unknown keys are refused, so a typo never passes. */
export type ParamsSchema = z.ZodObject;

/**
 * One method, declared once. From this value the worker validates params and results, the
 * frontend derives the MCP tool (through `describe`), and TypeScript derives both sides' types.
 */
export interface MethodSpec<
  P extends ParamsSchema = ParamsSchema,
  R extends z.ZodType = z.ZodType,
> {
  /** Short human title for tool pickers. */
  title: string;
  /** What the method does, its units and its effect on hardware, written for a model to act on. */
  description: string;
  params: P;
  result: R;
  /** Reads state only; never changes an instrument. */
  readOnly: boolean;
  /** Running it twice with the same params has the same effect as once; the client may retry it. */
  idempotent: boolean;
  /** May destroy data or change an instrument in a way that is hard to undo. */
  destructive: boolean;
  /** What it serializes on; see ResourceTemplate. */
  resource: ResourceTemplate;
  /**
   * Worker side only: resolves the resource from validated params when a template cannot, e.g.
   * a device command serializes on its device's resource (its GPIB bridge). `resource` then
   * only describes it.
   */
  resourceFor?: (params: Record<string, unknown>) => string | null;
  /**
   * Worker side only: arguments listed under another name than the one `params` declares
   * (listed → declared), for a plugin field or Tango parameter Python cannot bind (`from` is
   * listed as `from_`; see python-names.ts). The worker renames them back before validating.
   */
  argumentNames?: Readonly<Record<string, string>>;
  deadline: DeadlineSpec;
  /** Listed as an MCP tool. Wire-only methods (describe, cancel) are not. */
  mcp: boolean;
}

/** Declares a method; the identity function that fixes the generic types. */
export function defineMethod<P extends ParamsSchema, R extends z.ZodType>(
  spec: MethodSpec<P, R>,
): MethodSpec<P, R> {
  return spec;
}

/** A set of methods keyed by their one name (MCP tool name = wire method name). */
export type Catalog = Record<string, MethodSpec>;

/** What a caller passes: the params' input type (defaults may be left out). */
export type ParamsOf<C extends Catalog, M extends keyof C> = z.input<C[M]['params']>;

/** What a caller gets back. */
export type ResultOf<C extends Catalog, M extends keyof C> = z.output<C[M]['result']>;

/** What a handler receives: params after validation, with defaults applied. */
export type ValidParamsOf<C extends Catalog, M extends keyof C> = z.output<C[M]['params']>;
