import * as z from 'zod';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  catalog,
  describeMethod,
  type ParamsOf,
  type ResultOf,
  type LabrelayCatalog,
} from '../../protocol/index.js';

// Conformance of every declared method: what a model and a bench script rely on.
describe.each(Object.entries(catalog))('method %s', (name, spec) => {
  it('has a snake_case name that is a valid MCP tool name', () => {
    expect(name).toMatch(/^[a-z][a-z0-9_]*$/);
    expect(name.length).toBeLessThanOrEqual(64);
  });

  it('explains itself to a model', () => {
    expect(spec.title.length).toBeGreaterThan(3);
    expect(spec.description.length).toBeGreaterThan(30);
  });

  it('documents every parameter and refuses unknown ones', () => {
    for (const [field, schema] of Object.entries(spec.params.shape)) {
      expect((schema as z.ZodType).description, `${name}.${field}`).toBeTruthy();
    }
    expect(spec.params.safeParse({ __not_a_param__: 1 }).success).toBe(false);
  });

  it('has consistent flags and a positive deadline', () => {
    if (spec.readOnly) expect(spec.destructive).toBe(false);
    expect(spec.deadline.base_ms).toBeGreaterThan(0);
  });

  it('describes as JSON Schema with MCP annotations', () => {
    const d = describeMethod(name, spec);
    expect(d.inputSchema.type).toBe('object');
    expect(d.annotations.readOnlyHint).toBe(spec.readOnly);
    expect(d.annotations.idempotentHint).toBe(spec.idempotent);
    expect(d.annotations.destructiveHint).toBe(spec.destructive);
  });
});

describe('catalog types', () => {
  it('infers params and results instead of degrading to any', () => {
    expectTypeOf<ParamsOf<LabrelayCatalog, 'diag_sleep'>>().toEqualTypeOf<{
      duration_ms: number;
      steps?: number | undefined;
      lane?: string | undefined;
    }>();
    expectTypeOf<ResultOf<LabrelayCatalog, 'health'>>().toEqualTypeOf<{ status: 'ok' }>();
    expectTypeOf<ResultOf<LabrelayCatalog, 'cancel'>['state']>().toEqualTypeOf<
      'queued' | 'running' | 'finished' | 'unknown'
    >();
  });
});
