import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Dealer, Subscriber } from 'zeromq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerClient } from '../../frontend/worker-client/index.js';
import {
  DescribeResultSchema,
  HeartbeatEventSchema,
  coreMethods,
  describeMethod,
  deviceMethods,
  type DescribeResult,
  type MethodDescription,
} from '../../protocol/index.js';
import { ROOT, stopAllProcesses } from '../helpers/labrelay-process.js';
import {
  startTangoBridge,
  startTangoTest,
  stopAllTangoTests,
  type TangoBridge,
  type TangoTestServer,
} from '../helpers/tango.js';

/*
 * What the Tango bridge tells a client about itself — `describe` — read with labrelay's own
 * WorkerClient (which parses it with DescribeResultSchema) from a bridge in front of a real
 * TangoTest device server:
 *
 *   WorkerClient ──REQ──▶ ROUTER (python -m labrelay_tango) ──CORBA──▶ TangoTest sys/tg_test/1
 */
let tango: TangoTestServer;
let bridge: TangoBridge;
let client: WorkerClient;
let described: DescribeResult;
const sockets: Array<{ close(): void }> = [];

beforeAll(async () => {
  tango = await startTangoTest();
  bridge = await startTangoBridge({ devices: [tango.url], attribute_tools: true });
  client = new WorkerClient({ endpoint: bridge.endpoint });
  described = await client.describe();
});

afterAll(async () => {
  client?.close();
  for (const s of sockets) s.close();
  await stopAllProcesses();
  await stopAllTangoTests();
});

function method(name: string): MethodDescription {
  const found = described.methods.find((m) => m.name === name);
  if (!found) throw new Error(`describe has no method ${name}`);
  return found;
}

/** The describe reply exactly as sent: 64-bit bounds are checked in the text, before JSON.parse rounds them. */
async function rawDescribe(): Promise<string> {
  const dealer = new Dealer({ linger: 0, receiveTimeout: 5000 });
  sockets.push(dealer);
  dealer.connect(bridge.endpoint);
  await dealer.send(JSON.stringify({ id: 'raw-describe', method: 'describe', params: {} }));
  const [reply] = await dealer.receive();
  return reply.toString('utf8');
}

describe('describe', () => {
  it('is a labrelay/1 DescribeResult naming this bridge, its events endpoint and its device', () => {
    expect(DescribeResultSchema.safeParse(described).success).toBe(true);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(described).toMatchObject({
      protocol: 'labrelay/1',
      worker: { name: 'tango', version: pkg.version, pid: bridge.process.child.pid },
      events_endpoint: bridge.eventsEndpoint,
      queue_timeout_ms: 120_000,
      prompts: [],
      resources: [],
    });
    expect(described.worker.boot_id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(Date.parse(described.worker.started_at)).toBeGreaterThan(Date.now() - 60_000);
    expect(described.catalog_hash).toMatch(/^[0-9a-f]{16}$/);
    expect(described.devices).toEqual([
      {
        name: 'sys/tg_test/1',
        class: 'TangoTest',
        origin: `tango:127.0.0.1:${tango.port}`,
        resource: 'tango:sys/tg_test/1',
        info: expect.objectContaining({ url: tango.url, server_id: 'TangoTest/test' }),
      },
    ]);
  });

  it('serves the core methods and list_devices with the TypeScript worker’s exact schemas and annotations', () => {
    const names = described.methods.slice(0, 5).map((m) => m.name);
    expect(names).toEqual(['health', 'describe', 'cancel', 'worker_status', 'list_devices']);
    for (const [name, spec] of Object.entries({ ...coreMethods, ...deviceMethods })) {
      const expected = describeMethod(name, spec);
      const actual = method(name);
      // Two descriptions say what the bridge does (a running Tango call cannot be cancelled;
      // the devices are Tango devices); everything a client validates against is the same.
      if (name === 'cancel' || name === 'list_devices') {
        expect({ ...actual, description: '' }).toEqual({ ...expected, description: '' });
        expect(actual.description).toMatch(/Tango/);
      } else {
        expect(actual).toEqual(expected);
      }
    }
  });

  it('gives a DevVoid command no parameters and a null result', () => {
    const voidTool = method('TangoTest_DevVoid');
    expect(voidTool.inputSchema).toEqual({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: {},
      additionalProperties: false,
    });
    expect(voidTool.outputSchema).toEqual({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'null',
    });
  });

  it('states every integer width’s exact range, 64-bit bounds digit for digit', async () => {
    const arg = (tool: string) =>
      (method(tool).inputSchema.properties as Record<string, Record<string, unknown>>).arg;
    expect(arg('TangoTest_DevShort')).toMatchObject({
      type: 'integer',
      minimum: -32768,
      maximum: 32767,
      description: 'Any DevShort value',
    });
    expect(arg('TangoTest_DevUShort')).toMatchObject({
      type: 'integer',
      minimum: 0,
      maximum: 65535,
    });
    expect(arg('TangoTest_DevLong')).toMatchObject({ minimum: -2147483648, maximum: 2147483647 });
    expect(arg('TangoTest_DevULong')).toMatchObject({ minimum: 0, maximum: 4294967295 });
    expect(arg('TangoTest_DevVarCharArray')).toEqual({
      type: 'array',
      items: { type: 'integer', minimum: 0, maximum: 255 },
    });
    expect(arg('TangoTest_DevFloat')).toMatchObject({
      type: 'number',
      minimum: -3.4028234663852886e38,
      maximum: 3.4028234663852886e38,
    });
    expect(arg('TangoTest_DevDouble')).toEqual({
      type: 'number',
      description: 'Any DevDouble value',
    });
    // "-" is TangoTest's way of saying nothing: no description.
    expect(arg('TangoTest_DevString')).toEqual({ type: 'string' });
    const text = await rawDescribe();
    expect(text).toContain(
      '"arg":{"type":"integer","minimum":-9223372036854775808,"maximum":9223372036854775807',
    );
    expect(text).toContain('"arg":{"type":"integer","minimum":0,"maximum":18446744073709551615');
  });

  it('shapes DevVarLongStringArray and DevVarDoubleStringArray as objects of two arrays', () => {
    const props = (tool: string) =>
      (method(tool).inputSchema.properties as Record<string, Record<string, unknown>>).arg;
    expect(props('TangoTest_DevVarLongStringArray')).toEqual({
      type: 'object',
      properties: {
        lvalue: {
          type: 'array',
          items: { type: 'integer', minimum: -2147483648, maximum: 2147483647 },
        },
        svalue: { type: 'array', items: { type: 'string' } },
      },
      required: ['lvalue', 'svalue'],
      additionalProperties: false,
    });
    expect(props('TangoTest_DevVarDoubleStringArray')).toMatchObject({
      properties: { dvalue: { type: 'array', items: { type: 'number' } } },
      required: ['dvalue', 'svalue'],
    });
    expect(method('TangoTest_DevVarDoubleStringArray').outputSchema).toMatchObject({
      type: 'object',
      required: ['dvalue', 'svalue'],
    });
  });

  it('marks commands destructive and not idempotent, except State and Status', () => {
    expect(method('TangoTest_DevDouble')).toMatchObject({
      title: 'TangoTest DevDouble',
      annotations: {
        title: 'TangoTest DevDouble',
        readOnlyHint: false,
        idempotentHint: false,
        destructiveHint: true,
        openWorldHint: true,
      },
      resource: 'tango:sys/tg_test/1',
      deadline: { base_ms: 30_000 },
      mcp: true,
    });
    for (const name of ['TangoTest_State', 'TangoTest_Status']) {
      expect(method(name).annotations).toMatchObject({
        readOnlyHint: true,
        idempotentHint: true,
        destructiveHint: false,
      });
    }
    expect(method('TangoTest_State').outputSchema).toEqual({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'string',
      enum: [
        'ON', 'OFF', 'CLOSE', 'OPEN', 'INSERT', 'EXTRACT', 'MOVING',
        'STANDBY', 'FAULT', 'INIT', 'RUNNING', 'ALARM', 'DISABLE', 'UNKNOWN',
      ], // prettier-ignore
      description: 'Device state',
    });
  });

  it('describes a command tool as the TypeScript worker does, with Tango’s class, command and types', () => {
    expect(method('TangoTest_DevDouble').description).toBe(
      [
        'Tango command DevDouble of TangoTest.',
        'Tango device class: TangoTest',
        'Tango command: DevDouble',
        'Input type: DevDouble — Any DevDouble value',
        'Output type: DevDouble — Echo of the argin value',
        'Device: sys/tg_test/1',
      ].join('\n'),
    );
    expect(method('TangoTest_DevShort').description).toContain('arg: -32768 … 32767');
  });

  it('reports attributes with their schemas, access and tools, and serves get/set tools for them', () => {
    const cls = described.device_classes.find((c) => c.name === 'TangoTest')!;
    expect(cls.devices).toEqual(['sys/tg_test/1']);
    const attr = (name: string) => cls.attributes.find((a) => a.name === name)!;
    expect(attr('double_scalar')).toMatchObject({
      access: 'readwrite',
      schema: { type: 'number' },
      units: null,
      tools: { get: 'TangoTest_get_double_scalar', set: 'TangoTest_set_double_scalar' },
    });
    expect(attr('short_scalar_ro')).toMatchObject({
      access: 'read',
      tools: { get: 'TangoTest_get_short_scalar_ro', set: null },
    });
    // READ_WITH_WRITE is read-only itself: writes go to its partner attribute.
    expect(attr('double_scalar_rww').tools.set).toBeNull();
    expect(attr('uchar_scalar').schema).toEqual({ type: 'integer', minimum: 0, maximum: 255 });
    expect(attr('double_spectrum').schema).toEqual({
      type: 'array',
      items: { type: 'number' },
      maxItems: 4096,
    });
    expect(attr('short_image_ro').schema).toMatchObject({
      type: 'array',
      maxItems: 251,
      items: { type: 'array', maxItems: 251, items: { type: 'integer', minimum: -32768 } },
    });
    expect(method('TangoTest_set_double_scalar_w')).toMatchObject({
      inputSchema: { properties: { value: { type: 'number' } }, required: ['value'] },
      annotations: { readOnlyHint: false, idempotentHint: true, destructiveHint: false },
    });
    expect(method('TangoTest_get_double_scalar').outputSchema).toMatchObject({
      type: 'object',
      required: ['value', 'units', 'quality'],
    });
    expect(cls.commands.find((c) => c.name === 'DevDouble')).toMatchObject({
      tool: 'TangoTest_DevDouble',
      readOnly: false,
      destructive: true,
    });
  });

  it('lists devices, filtered by class', async () => {
    const all = await client.request('list_devices', {});
    expect(all).toMatchObject({ status: 'ok', result: { devices: [{ name: 'sys/tg_test/1' }] } });
    expect(await client.request('list_devices', { device_class: 'Nope' })).toMatchObject({
      status: 'ok',
      result: { devices: [], classes: [] },
    });
  });

  it('publishes heartbeats with its boot id and catalog hash', async () => {
    const sub = new Subscriber({ linger: 0, receiveTimeout: 3000 });
    sockets.push(sub);
    sub.connect(bridge.eventsEndpoint);
    sub.subscribe('$heartbeat');
    const [topic, body] = await sub.receive();
    expect(topic.toString()).toBe('$heartbeat');
    const event = HeartbeatEventSchema.parse(JSON.parse(body.toString()));
    expect(event).toMatchObject({
      boot_id: described.worker.boot_id,
      catalog_hash: described.catalog_hash,
      pid: bridge.process.child.pid,
    });
  });

  it('keeps the catalog hash across restarts and changes it with the tool set; --verbose lists the tools', async () => {
    const same = await startTangoBridge({
      devices: [tango.url],
      attribute_tools: true,
      verbose: true,
    });
    const other = await startTangoBridge({ devices: [tango.url] });
    const hashOf = async (b: TangoBridge) => {
      const c = new WorkerClient({ endpoint: b.endpoint, events: false });
      try {
        return (await c.describe()).catalog_hash;
      } finally {
        c.close();
      }
    };
    expect(await hashOf(same)).toBe(described.catalog_hash);
    expect(await hashOf(other)).not.toBe(described.catalog_hash);
    const text = same.stderr();
    expect(text).toContain('labrelay tango bridge ready: 123 tool(s) on ' + same.endpoint);
    expect(text).toContain(
      `device sys/tg_test/1: TangoTest from tango:127.0.0.1:${tango.port} (${tango.url})`,
    );
    expect(text).toContain(
      'TangoTest_DevShort(arg: integer [-32768 … 32767]) → integer [-32768 … 32767]',
    );
    expect(text).toContain(
      'attribute double_scalar (readwrite): TangoTest_get_double_scalar, TangoTest_set_double_scalar',
    );
    expect(other.stderr()).toContain('labrelay tango bridge ready: 30 tool(s) on ');
  });
});
