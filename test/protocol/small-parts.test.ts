import { describe, expect, it } from 'vitest';
import {
  deadlineMs,
  defaultEventsEndpoint,
  findNonJson,
  isLoopbackEndpoint,
  reachableEventsEndpoint,
  resolveResource,
  schemaDefaults,
  toWireError,
  WorkerError,
} from '../../protocol/index.js';

describe('deadlineMs', () => {
  it('adds terms that scale with params, taking defaults for missing ones', () => {
    const spec = {
      base_ms: 1000,
      terms: [{ params: ['size_x', 'size_y', 'dwell_ms'], ms_per_unit: 1 }],
    };
    expect(deadlineMs(spec, { size_x: 10, size_y: 20, dwell_ms: 0.5 })).toBe(1100);
    expect(deadlineMs(spec, { size_x: 10, size_y: 20 }, { dwell_ms: 2 })).toBe(1400);
    expect(deadlineMs(spec, { size_x: 'ten' })).toBe(1000);
    const scan = {
      base_ms: 0,
      terms: [{ params: ['size', 'size', 'dwell'], divide_by: ['step', 'step'], ms_per_unit: 1 }],
    };
    expect(deadlineMs(scan, { size: 100, step: 0.5, dwell: 0.01 })).toBe(400);
    expect(deadlineMs(scan, { size: 100, step: 0, dwell: 0.01 })).toBe(0);
  });
});

describe('findNonJson', () => {
  it('names the path of the first value JSON cannot carry', () => {
    expect(findNonJson({ a: 1, b: [1, 'x', null, { c: true }] })).toBeNull();
    expect(findNonJson({ fit: { sigma: Number.NaN } })).toBe('result.fit.sigma is NaN');
    expect(findNonJson([1, Infinity])).toBe('result[1] is Infinity');
    expect(findNonJson({ v: -Infinity })).toBe('result.v is -Infinity');
    expect(findNonJson({ big: 1n })).toBe('result.big is a bigint');
    expect(findNonJson({ img: new Float32Array(2) })).toMatch(/result.img is a typed array/);
  });
});

describe('resources and endpoints', () => {
  it('fills resource templates from params', () => {
    expect(resolveResource('gpib:{bridge_name}', { bridge_name: 'bench-a' })).toBe('gpib:bench-a');
    expect(resolveResource(null, {})).toBeNull();
  });

  it('derives and rewrites events endpoints', () => {
    expect(defaultEventsEndpoint('tcp://127.0.0.1:5555')).toBe('tcp://127.0.0.1:5556');
    expect(defaultEventsEndpoint('ipc:///tmp/w')).toBe('ipc:///tmp/w.events');
    expect(reachableEventsEndpoint('tcp://0.0.0.0:5556', 'tcp://lab-pc:5555')).toBe(
      'tcp://lab-pc:5556',
    );
    expect(reachableEventsEndpoint('tcp://127.0.0.1:5556', 'tcp://127.0.0.1:5555')).toBe(
      'tcp://127.0.0.1:5556',
    );
  });

  it('tells loopback endpoints from open ones', () => {
    expect(isLoopbackEndpoint('tcp://127.0.0.1:5555')).toBe(true);
    expect(isLoopbackEndpoint('tcp://localhost:5555')).toBe(true);
    expect(isLoopbackEndpoint('ipc:///tmp/x')).toBe(true);
    expect(isLoopbackEndpoint('tcp://0.0.0.0:5555')).toBe(false);
    expect(isLoopbackEndpoint('tcp://*:5555')).toBe(false);
    expect(isLoopbackEndpoint('tcp://192.168.1.5:5555')).toBe(false);
  });

  it('reads top-level defaults from a JSON Schema', () => {
    expect(schemaDefaults({ properties: { a: { default: 3 }, b: { type: 'string' } } })).toEqual({
      a: 3,
    });
  });
});

describe('toWireError', () => {
  it('keeps WorkerErrors and turns anything else into INTERNAL', () => {
    expect(toWireError(new WorkerError('BUSY', 'busy', { r: 1 }))).toEqual({
      code: 'BUSY',
      message: 'busy',
      data: { r: 1 },
    });
    expect(toWireError(new TypeError('x is undefined'))).toEqual({
      code: 'INTERNAL',
      message: 'internal error: x is undefined',
    });
    expect(toWireError('plain')).toEqual({ code: 'INTERNAL', message: 'internal error: plain' });
  });
});
