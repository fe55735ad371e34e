import { readFileSync } from 'node:fs';
import { v4 as uuidv4 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerClient } from '../../frontend/worker-client/index.js';
import type { DescribeResult } from '../../protocol/index.js';
import { stopAllProcesses } from '../helpers/labrelay-process.js';
import {
  startTangoBridge,
  startTangoTest,
  stopAllTangoTests,
  type TangoBridge,
} from '../helpers/tango.js';

/*
 * The TypeScript worker's blocking rules (worker/devices/blocking.ts), applied by the bridge: a
 * blocked command is absent from describe, and a call to it is refused with BLOCKED naming the
 * rule — and written to the audit log. One TangoTest, one bridge per rule set.
 */
interface Served {
  bridge: TangoBridge;
  client: WorkerClient;
  described: DescribeResult;
}
const served: Record<string, Served> = {};

const RULES: Record<string, Record<string, unknown>> = {
  list: { blocked_functions: ['DevVoid', 'TangoTest.DevLong'] },
  map: {
    blocked_functions: { '*': ['DevBoolean'], TangoTest: ['DevShort', 'TangoTest.DevUShort'] },
    attribute_tools: true,
  },
  classWide: { blocked_functions: ['TangoTest.*'] },
  includeOnly: {
    include_only: ['DevDouble', 'TangoTest.State', 'get_double_scalar'],
    attribute_tools: true,
  },
  blockedClass: { blocked_classes: ['tangotest'] },
  attributeOff: {},
  attributeRule: { attribute_tools: true, blocked_functions: ['set_double_scalar'] },
};

beforeAll(async () => {
  const tango = await startTangoTest();
  await Promise.all(
    Object.entries(RULES).map(async ([name, rules]) => {
      const bridge = await startTangoBridge({ devices: [tango.url], ...rules });
      const client = new WorkerClient({ endpoint: bridge.endpoint, events: false });
      served[name] = { bridge, client, described: await client.describe() };
    }),
  );
}, 60_000);

afterAll(async () => {
  for (const s of Object.values(served)) s.client.close();
  await stopAllProcesses();
  await stopAllTangoTests();
});

function tools(name: string): string[] {
  return served[name].described.methods
    .map((m) => m.name)
    .filter((m) => m.startsWith('TangoTest_'));
}

async function blocked(name: string, tool: string, params: Record<string, unknown> = {}) {
  const id = uuidv4();
  const reply = await served[name].client.request(tool, params, { id });
  expect(reply.status, `${tool} on ${name}`).toBe('error');
  if (reply.status !== 'error') throw new Error('unreachable');
  expect(reply.code, `${tool} on ${name}`).toBe('BLOCKED');
  const audit = readFileSync(served[name].bridge.auditPath, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.id === id);
  expect(audit).toEqual([
    expect.objectContaining({
      method: tool,
      outcome: 'error',
      code: 'BLOCKED',
      error: reply.error,
    }),
  ]);
  return reply.error;
}

describe('blocking rules', () => {
  it('a list blocks commands in every class; Class.cmd blocks one command', async () => {
    expect(tools('list')).not.toContain('TangoTest_DevVoid');
    expect(tools('list')).not.toContain('TangoTest_DevLong');
    expect(tools('list')).toContain('TangoTest_DevDouble');
    expect(tools('list')).toContain('TangoTest_DevLong64');
    expect(await blocked('list', 'TangoTest_DevVoid')).toBe(
      'TangoTest_DevVoid is blocked by configuration and was not run: DevVoid is blocked for ' +
        'every class by blocked_functions',
    );
    expect(await blocked('list', 'TangoTest_DevLong', { arg: 1 })).toBe(
      'TangoTest_DevLong is blocked by configuration and was not run: TangoTest.DevLong is ' +
        'blocked by blocked_functions',
    );
    const cls = served.list.described.device_classes[0];
    expect(cls.commands.map((c) => c.name)).not.toContain('DevVoid');
  });

  it('a map takes "*" and class names, with Class.cmd entries inside', async () => {
    for (const gone of ['TangoTest_DevBoolean', 'TangoTest_DevShort', 'TangoTest_DevUShort']) {
      expect(tools('map')).not.toContain(gone);
    }
    expect(tools('map')).toContain('TangoTest_DevULong');
    expect(await blocked('map', 'TangoTest_DevBoolean', { arg: true })).toMatch(
      /DevBoolean is blocked for every class by blocked_functions$/,
    );
    expect(await blocked('map', 'TangoTest_DevShort', { arg: 1 })).toMatch(
      /TangoTest\.DevShort is blocked by blocked_functions$/,
    );
  });

  it('Class.* blocks every command and attribute tool of the class', async () => {
    expect(tools('classWide')).toEqual([]);
    expect(await blocked('classWide', 'TangoTest_State')).toMatch(
      /TangoTest\.State is blocked by blocked_functions$/,
    );
  });

  it('include_only serves only what it names; blocking still refuses the rest', async () => {
    expect(tools('includeOnly').sort()).toEqual([
      'TangoTest_DevDouble',
      'TangoTest_State',
      'TangoTest_get_double_scalar',
    ]);
    expect(await blocked('includeOnly', 'TangoTest_DevString', { arg: 'x' })).toMatch(
      /TangoTest\.DevString is not in include_only$/,
    );
    expect(await blocked('includeOnly', 'TangoTest_set_double_scalar', { value: 1 })).toMatch(
      /TangoTest\.set_double_scalar is not in include_only$/,
    );
    const reply = await served.includeOnly.client.request('TangoTest_DevDouble', { arg: 2 });
    expect(reply).toMatchObject({ status: 'ok', result: 2 });
  });

  it('blocked_classes (case-insensitive) leaves the class and its devices out', async () => {
    expect(tools('blockedClass')).toEqual([]);
    expect(served.blockedClass.described.devices).toEqual([]);
    expect(await blocked('blockedClass', 'TangoTest_DevDouble', { arg: 1 })).toMatch(
      /class TangoTest is in blocked_classes$/,
    );
  });

  it('attribute tools are BLOCKED while attribute_tools is off, and obey the rules when on', async () => {
    expect(tools('attributeOff').some((t) => t.includes('_get_') || t.includes('_set_'))).toBe(
      false,
    );
    expect(await blocked('attributeOff', 'TangoTest_get_double_scalar')).toBe(
      'TangoTest_get_double_scalar is blocked by configuration and was not run: attribute tools ' +
        'are off (set attribute_tools: true)',
    );
    expect(await blocked('attributeOff', 'TangoTest_set_double_scalar_w', { value: 1 })).toMatch(
      /attribute tools are off/,
    );
    // A read-only attribute never has a setter: that name is simply unknown.
    const ro = await served.attributeOff.client.request('TangoTest_set_short_scalar_ro', {});
    expect(ro).toMatchObject({ status: 'error', code: 'UNKNOWN_METHOD' });
    const attr = served.attributeOff.described.device_classes[0].attributes.find(
      (a) => a.name === 'double_scalar',
    );
    expect(attr?.tools).toEqual({ get: null, set: null });

    expect(tools('attributeRule')).toContain('TangoTest_get_double_scalar');
    expect(tools('attributeRule')).not.toContain('TangoTest_set_double_scalar');
    expect(await blocked('attributeRule', 'TangoTest_set_double_scalar', { value: 1 })).toMatch(
      /set_double_scalar is blocked for every class by blocked_functions$/,
    );
  });

  it('serves Init and the crash commands unless told otherwise, as the TypeScript worker’s defaults do', () => {
    expect(tools('attributeOff')).toEqual(
      expect.arrayContaining(['TangoTest_Init', 'TangoTest_CrashFromOmniThread']),
    );
  });
});
