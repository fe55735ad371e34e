import { describe, expect, it } from 'vitest';
import {
  collisionMessage,
  mergeCatalogs,
  type MemberView,
} from '../../frontend/fleet/merge-catalog.js';
import type { DescribeResult, MethodDescription } from '../../protocol/index.js';

const method = (name: string, mcp = true): MethodDescription => ({
  name,
  title: name,
  description: `${name} does a thing`,
  inputSchema: { type: 'object', properties: {} },
  outputSchema: { type: 'object' },
  annotations: {
    title: name,
    readOnlyHint: true,
    idempotentHint: true,
    destructiveHint: false,
    openWorldHint: false,
  },
  resource: null,
  deadline: { base_ms: 1000 },
  mcp,
});

const worker = (
  name: string,
  methods: string[],
  extra: Partial<MemberView> & Partial<Pick<DescribeResult, 'prompts' | 'resources'>> = {},
): MemberView => ({
  name,
  endpoint: `tcp://127.0.0.1:${name.length + 5000}`,
  prefix: extra.prefix,
  downReason: extra.downReason,
  described: {
    methods: [...methods.map((m) => method(m)), method('describe', false)],
    prompts: extra.prompts ?? [],
    resources: extra.resources ?? [],
  } as unknown as DescribeResult,
});

const SHARED = new Set(['health', 'worker_status', 'list_devices']);

describe('mergeCatalogs', () => {
  it('serves each worker’s tools under their own names, shared ones left to the fleet, wire-only ones never', () => {
    const merged = mergeCatalogs(
      [worker('a', ['health', 'acquire_image']), worker('b', ['health', 'bus_scan'])],
      SHARED,
    );
    expect(merged.methods.map((m) => [m.method.name, m.worker, m.workerMethod])).toEqual([
      ['acquire_image', 'a', 'acquire_image'],
      ['bus_scan', 'b', 'bus_scan'],
    ]);
    expect(merged.collisions).toEqual([]);
  });

  it('reports a name two workers offer, and the first in order keeps it', () => {
    const merged = mergeCatalogs([worker('a', ['x', 'y']), worker('bb', ['y'])], SHARED);
    expect(merged.methods.map((m) => `${m.worker}:${m.method.name}`)).toEqual(['a:x', 'a:y']);
    expect(merged.collisions).toEqual([
      {
        tool: 'y',
        first: { worker: 'a', endpoint: 'tcp://127.0.0.1:5001' },
        second: { worker: 'bb', endpoint: 'tcp://127.0.0.1:5002' },
      },
    ]);
    expect(collisionMessage(merged.collisions)).toBe(
      '1 tool name(s) are served by two workers:\n' +
        '  y: worker "a" (tcp://127.0.0.1:5001) and worker "bb" (tcp://127.0.0.1:5002)\n' +
        'Give one of them a prefix in frontend.workers (e.g. prefix: bench_b serves ' +
        'bench_b_<tool>), or block the commands on one worker.',
    );
  });

  it('a prefix renames the tools but keeps the name the worker is called with', () => {
    const merged = mergeCatalogs([worker('a', ['y']), worker('b', ['y'], { prefix: 'b' })], SHARED);
    expect(merged.methods.map((m) => [m.method.name, m.workerMethod])).toEqual([
      ['y', 'y'],
      ['b_y', 'y'],
    ]);
    expect(merged.collisions).toEqual([]);
  });

  it('a down worker’s tools are unavailable, with the reason, and still hold their names', () => {
    const merged = mergeCatalogs(
      [worker('a', ['x'], { downReason: 'no heartbeat for 3.1 s' }), worker('b', ['x', 'z'])],
      SHARED,
    );
    expect(merged.methods.map((m) => `${m.worker}:${m.method.name}`)).toEqual(['b:z']);
    expect([...merged.unavailable]).toEqual([
      [
        'x',
        'worker "a" (tcp://127.0.0.1:5001) is unavailable: no heartbeat for 3.1 s. Nothing was ' +
          'sent; its tools come back when it does (tools/list_changed).',
      ],
    ]);
    expect(merged.collisions).toHaveLength(1);
  });

  it('one prompt or resource that two workers both serve is listed once', () => {
    const prompt = {
      name: 'focus',
      title: 'Focus',
      description: 'd',
      arguments: [],
      template: 't',
    };
    const resource = {
      uri: 'labrelay://gpib/commands',
      name: 'r',
      title: 'R',
      description: 'd',
      mimeType: 'text/markdown',
      text: 't',
    };
    const merged = mergeCatalogs(
      [
        worker('a', [], { prompts: [prompt], resources: [resource] }),
        worker('b', [], { prompts: [prompt], resources: [resource] }),
        worker('c', [], { prompts: [prompt], prefix: 'c' }),
      ],
      SHARED,
    );
    expect(merged.prompts.map((p) => p.name)).toEqual(['focus', 'c_focus']);
    expect(merged.resources.map((r) => r.uri)).toEqual(['labrelay://gpib/commands']);
  });
});
