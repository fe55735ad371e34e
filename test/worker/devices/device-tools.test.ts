import * as z from 'zod';
import { describe, expect, it } from 'vitest';
import type { BlockingConfig } from '../../../worker/devices/blocking.js';
import { attribute, command, defineDeviceClass } from '../../../worker/devices/device-class.js';
import { DeviceRegistry } from '../../../worker/devices/device-registry.js';
import type { Device } from '../../../worker/devices/device.js';
import { quantity } from '../../../worker/devices/quantity.js';
import { deviceRuntime } from '../../helpers/device-runtime.js';

interface SupplyState {
  volts: number;
  log: string[];
}

/** A small power supply: a cross-field limit, a slow command, an attribute. */
const Supply = defineDeviceClass<SupplyState>({
  name: 'Supply',
  doc: 'Bench supply for the tests.',
  commands: {
    set_voltage: command({
      doc: 'Set the output voltage.',
      params: z
        .object({
          volts: quantity({ doc: 'Output voltage', unit: 'V', min: 0, max: 30 }),
          limit: quantity({ doc: 'Current limit', unit: 'A', min: 0, max: 3 }).default(1),
        })
        .superRefine((p, ctx) => {
          if (p.volts * p.limit > 60) {
            ctx.addIssue({
              code: 'custom',
              path: ['limit'],
              message: `${p.volts} V × ${p.limit} A exceeds the 60 W the supply can give`,
            });
          }
        }),
      result: z.object({ volts: z.number() }),
      destructive: true,
      run: ({ device }, { volts }) => {
        device.state.volts = volts;
        device.state.log.push(`${device.name} set ${volts}`);
        return { volts };
      },
    }),
    measure: command({
      doc: 'Measure the output voltage, in volts.',
      params: z.object({ settle_ms: z.number().min(0).max(1000).default(0) }),
      result: z.object({ volts: z.number().describe('Output voltage, V.') }),
      readOnly: true,
      run: async ({ device, op }, { settle_ms }) => {
        device.state.log.push(`${device.name} measure start`);
        await op.sleep(settle_ms);
        device.state.log.push(`${device.name} measure end`);
        return { volts: device.state.volts };
      },
    }),
    reset: command({
      doc: 'Set every setting to its power-on value.',
      params: z.object({}),
      result: z.object({ ok: z.boolean() }),
      destructive: true,
      run: ({ device }) => {
        device.state.volts = 0;
        return { ok: true };
      },
    }),
  },
  attributes: {
    output_voltage: attribute({
      doc: 'Control the output voltage.',
      type: quantity({ doc: 'Output voltage', unit: 'V', min: 0, max: 30 }),
      units: 'V',
      get: ({ device }) => device.state.volts,
      set: ({ device }, value) => {
        device.state.volts = value;
      },
    }),
  },
});

function supply(name: string, resource: string, log: string[]): Device<SupplyState> {
  return { name, deviceClass: Supply, state: { volts: 0, log }, resource, origin: 'test' };
}

function setup(o: { blocking?: Partial<BlockingConfig>; attributeTools?: boolean } = {}) {
  const registry = new DeviceRegistry();
  return { registry, ...deviceRuntime({ registry, ...o }) };
}

describe('device tools', () => {
  it('one device: Class_command with the command params only, and a description with units', async () => {
    const lab = setup();
    const log: string[] = [];
    lab.registry.add(supply('psu', 'gpib:bench-a', log));
    expect(lab.runtime.refresh()).toBe(true);
    const set = lab.tool('Supply_set_voltage')!;
    expect(Object.keys(set.inputSchema.properties as object)).toEqual(['volts', 'limit']);
    expect(set.inputSchema.additionalProperties).toBe(false);
    expect((set.inputSchema.properties as any).volts).toMatchObject({
      minimum: 0,
      maximum: 30,
      'x-unit': 'V',
    });
    expect(set.description).toBe(
      [
        'Set the output voltage.',
        'Device class: Supply',
        'Command: set_voltage',
        'Device: psu',
      ].join('\n'),
    );
    expect(set.annotations).toMatchObject({ destructiveHint: true, readOnlyHint: false });
    expect(lab.tool('Supply_measure')!.annotations).toMatchObject({
      readOnlyHint: true,
      idempotentHint: true,
    });
    expect(set.resource).toBe('gpib:bench-a');

    expect(await lab.send('Supply_set_voltage', { volts: 12 })).toMatchObject({
      status: 'ok',
      result: { volts: 12 },
    });
    expect(log).toEqual(['psu set 12']);
  });

  it('refuses bad input before the device sees it, naming field, value and range', async () => {
    const lab = setup();
    const log: string[] = [];
    lab.registry.add(supply('psu', 'r', log));
    lab.runtime.refresh();
    const high = await lab.send('Supply_set_voltage', { volts: 31 });
    expect(high).toMatchObject({ status: 'error', code: 'INVALID_PARAMS' });
    expect((high as any).error).toMatch(/volts/);
    expect((high as any).error).toMatch(/30/);
    // The command's own cross-field check survives the tool's wrapping.
    const power = await lab.send('Supply_set_voltage', { volts: 30, limit: 3 });
    expect((power as any).error).toMatch(/60 W/);
    const extra = await lab.send('Supply_set_voltage', { volts: 1, device: 'psu' });
    expect(extra).toMatchObject({ status: 'error', code: 'INVALID_PARAMS' });
    expect(log).toEqual([]);
  });

  it('several devices of one class: a device argument listing them, each on its own resource', async () => {
    const lab = setup();
    const log: string[] = [];
    lab.registry.addAll([
      supply('bench-a/5', 'gpib:bench-a', log),
      supply('bench-b/5', 'gpib:bench-b', log),
    ]);
    lab.runtime.refresh();
    const measure = lab.tool('Supply_measure')!;
    expect((measure.inputSchema.properties as any).device).toMatchObject({
      enum: ['bench-a/5', 'bench-b/5'],
    });
    expect(measure.inputSchema.required).toContain('device');
    expect(measure.description).toContain('Devices (pass one as device): bench-a/5, bench-b/5');

    await lab.send('Supply_set_voltage', { device: 'bench-b/5', volts: 3 });
    expect(await lab.send('Supply_measure', { device: 'bench-b/5' })).toMatchObject({
      result: { volts: 3 },
    });
    expect(await lab.send('Supply_measure', { device: 'bench-a/5' })).toMatchObject({
      result: { volts: 0 },
    });
    const missing = await lab.send('Supply_measure', {});
    expect((missing as any).error).toMatch(/device/);
    const wrong = await lab.send('Supply_measure', { device: 'bench-c/5' });
    expect((wrong as any).error).toMatch(/bench-a\/5/);

    // Different bridges run concurrently; one bridge runs strictly in order.
    log.length = 0;
    await Promise.all([
      lab.send('Supply_measure', { device: 'bench-a/5', settle_ms: 60 }),
      lab.send('Supply_measure', { device: 'bench-b/5', settle_ms: 60 }),
    ]);
    expect(log.slice(0, 2).sort()).toEqual(['bench-a/5 measure start', 'bench-b/5 measure start']);
  });

  it('devices sharing a resource are serialized', async () => {
    const lab = setup();
    const log: string[] = [];
    lab.registry.addAll([
      supply('bench-a/5', 'gpib:bench-a', log),
      supply('bench-a/6', 'gpib:bench-a', log),
    ]);
    lab.runtime.refresh();
    await Promise.all([
      lab.send('Supply_measure', { device: 'bench-a/5', settle_ms: 40 }),
      lab.send('Supply_measure', { device: 'bench-a/6', settle_ms: 40 }),
    ]);
    expect(log).toEqual([
      'bench-a/5 measure start',
      'bench-a/5 measure end',
      'bench-a/6 measure start',
      'bench-a/6 measure end',
    ]);
  });

  it('a blocked command is neither listed nor run, and answers BLOCKED with the rule', async () => {
    const lab = setup({ blocking: { blockedFunctions: ['Supply.reset'] } });
    lab.registry.add(supply('psu', 'r', []));
    lab.runtime.refresh();
    expect(lab.tool('Supply_reset')).toBeUndefined();
    const listed = lab.runtime.describe().device_classes[0].commands.map((c) => c.name);
    expect(listed).toEqual(['set_voltage', 'measure']);
    const reply = await lab.send('Supply_reset');
    expect(reply).toMatchObject({
      status: 'error',
      code: 'BLOCKED',
      error:
        'Supply_reset is blocked by configuration and was not run: Supply.reset is blocked by devices.blocked_functions',
    });
    expect((await lab.send('Supply_nonsense')) as any).toMatchObject({
      code: 'UNKNOWN_METHOD',
    });
  });

  it('a blocked class has no tools and no devices listed', async () => {
    const lab = setup({ blocking: { blockedClasses: ['supply'] } });
    lab.registry.add(supply('psu', 'r', []));
    lab.runtime.refresh();
    expect(lab.runtime.describe().methods.map((m) => m.name)).not.toContain('Supply_measure');
    expect(lab.runtime.describe().devices).toEqual([]);
    expect(await lab.send('Supply_measure')).toMatchObject({ code: 'BLOCKED' });
  });

  it('attribute tools only with the flag; set validates and reads back', async () => {
    const off = setup();
    off.registry.add(supply('psu', 'r', []));
    off.runtime.refresh();
    expect(off.tool('Supply_get_output_voltage')).toBeUndefined();
    expect(await off.send('Supply_get_output_voltage')).toMatchObject({
      code: 'BLOCKED',
      error: expect.stringMatching(/attribute_tools/),
    });
    expect(off.runtime.describe().device_classes[0].attributes[0]).toMatchObject({
      name: 'output_voltage',
      access: 'readwrite',
      units: 'V',
      tools: { get: null, set: null },
    });

    const on = setup({ attributeTools: true });
    on.registry.add(supply('psu', 'r', []));
    on.runtime.refresh();
    expect(on.tool('Supply_set_output_voltage')!.inputSchema.properties).toHaveProperty('value');
    expect(await on.send('Supply_set_output_voltage', { value: 5 })).toMatchObject({
      result: { value: 5, units: 'V' },
    });
    expect(await on.send('Supply_get_output_voltage')).toMatchObject({
      result: { value: 5, units: 'V' },
    });
    expect(await on.send('Supply_set_voltage', { volts: 7 })).toMatchObject({ status: 'ok' });
    expect(await on.send('Supply_get_output_voltage')).toMatchObject({ result: { value: 7 } });
    const bad = await on.send('Supply_set_output_voltage', { value: -1 });
    expect(bad).toMatchObject({ code: 'INVALID_PARAMS' });
  });

  it('a device that went away answers UNAVAILABLE, and the catalog follows the registry', async () => {
    const lab = setup();
    lab.registry.addAll([
      supply('bench-a/5', 'gpib:bench-a', []),
      supply('bench-a/6', 'gpib:bench-a', []),
    ]);
    lab.runtime.refresh();
    const hash = lab.runtime.table.catalogHash;
    await lab.registry.replaceOrigin('test', [lab.registry.get('bench-a/5')!]);
    expect(lab.runtime.refresh()).toBe(true);
    expect(lab.runtime.table.catalogHash).not.toBe(hash);
    const measure = lab.tool('Supply_measure')!;
    expect(measure.inputSchema.properties).not.toHaveProperty('device');
    await lab.registry.replaceOrigin('test', []);
    lab.runtime.refresh();
    expect(lab.tool('Supply_measure')).toBeUndefined();
    expect(await lab.send('list_devices')).toMatchObject({
      result: { devices: [], classes: [] },
    });
  });

  it('lists a field Python cannot bind under a safe name, maps it back, and names it so in errors', async () => {
    // A plugin author's natural names: a keyword, a hyphen, a leading digit (EAA's MCPTool
    // would fail to build on any of them).
    const runs: unknown[] = [];
    const Shutter = defineDeviceClass({
      name: 'Shutter',
      doc: 'A shutter with awkward field names.',
      commands: {
        open: command({
          doc: 'Open the shutter for a while.',
          params: z
            .object({
              from: z.enum(['front', 'back']).describe('Which blade moves.'),
              'gate-ms': quantity({ doc: 'Gate time', unit: 'ms', min: 1, max: 1000 }),
              '2theta': z.number().min(0).max(90).default(0),
            })
            .superRefine((p, ctx) => {
              if (p.from === 'back' && p['gate-ms'] > 10) {
                ctx.addIssue({ code: 'custom', path: ['gate-ms'], message: 'back blade: ≤ 10 ms' });
              }
            }),
          result: z.object({ ok: z.boolean() }),
          run: (_ctx, params) => {
            runs.push(params);
            return { ok: true };
          },
        }),
      },
    });
    const lab = setup();
    lab.registry.add({
      name: 'sh',
      deviceClass: Shutter,
      state: {},
      resource: 'r',
      origin: 'test',
    });
    lab.runtime.refresh();
    const open = lab.tool('Shutter_open')!;
    expect(Object.keys(open.inputSchema.properties as object)).toEqual([
      'from_',
      'gate_ms',
      'p_2theta',
    ]);
    expect(open.inputSchema.required).toEqual(['from_', 'gate_ms']);
    expect((open.inputSchema.properties as any).gate_ms).toMatchObject({
      minimum: 1,
      maximum: 1000,
      'x-unit': 'ms',
    });

    expect(await lab.send('Shutter_open', { from_: 'front', gate_ms: 5 })).toMatchObject({
      status: 'ok',
    });
    expect(runs).toEqual([{ from: 'front', 'gate-ms': 5, '2theta': 0 }]);

    const range = (await lab.send('Shutter_open', { from_: 'front', gate_ms: 5000 })) as any;
    expect(range.error).toMatch(/^invalid params for Shutter_open: "gate_ms" = 5000: /);
    expect(range.data.path).toEqual(['params', 'gate_ms']);
    const refined = (await lab.send('Shutter_open', { from_: 'back', gate_ms: 50 })) as any;
    expect(refined.error).toMatch(/"gate_ms" = 50: back blade/);
    const natural = (await lab.send('Shutter_open', { from: 'front', gate_ms: 5 })) as any;
    expect(natural).toMatchObject({ status: 'error', code: 'INVALID_PARAMS' });
    expect(natural.error).toMatch(/unknown parameter "from"; it is listed as "from_"/);
    const unknown = (await lab.send('Shutter_open', { from_: 'front', gate_ms: 5, x: 1 })) as any;
    expect(unknown.error).toMatch(/allowed: from_, gate_ms, p_2theta/);
    expect(runs).toHaveLength(1);
  });

  it('list_devices reports devices and classes, filtered by class', async () => {
    const lab = setup();
    lab.registry.add({ ...supply('psu', 'r', []), info: { serial: 'S1', skip: undefined } });
    lab.runtime.refresh();
    const reply = (await lab.send('list_devices', { device_class: 'Supply' })) as any;
    expect(reply.result.devices).toEqual([
      { name: 'psu', class: 'Supply', origin: 'test', resource: 'r', info: { serial: 'S1' } },
    ]);
    expect(reply.result.classes[0].commands.map((c: any) => c.tool)).toEqual([
      'Supply_set_voltage',
      'Supply_measure',
      'Supply_reset',
    ]);
    expect((await lab.send('list_devices', { device_class: 'Nope' })) as any).toMatchObject({
      result: { devices: [] },
    });
  });

  it('a class whose schema cannot be served is refused alone; the others stay', async () => {
    const Broken = defineDeviceClass({
      name: 'Broken',
      doc: 'A class zod cannot describe.',
      commands: {
        go: command({
          doc: 'Go.',
          params: z.object({ when: z.date() }),
          result: z.object({}),
          run: () => ({}),
        }),
      },
    });
    const lab = setup();
    lab.registry.addAll([
      supply('psu', 'r', []),
      { name: 'broken', deviceClass: Broken, state: null, resource: 'b', origin: 'test' },
    ]);
    lab.runtime.refresh();
    expect(lab.tool('Supply_measure')).toBeDefined();
    expect(lab.tool('Broken_go')).toBeUndefined();
    expect(await lab.send('Broken_go', { when: 1 })).toMatchObject({
      code: 'BLOCKED',
      error: expect.stringMatching(/cannot be served/),
    });
  });

  it('class and command names that could clash with native methods are refused', () => {
    const base = { doc: 'x', commands: {} };
    expect(() => defineDeviceClass({ ...base, name: 'acquire' })).toThrow(/capital letter/);
    expect(() =>
      defineDeviceClass({
        ...base,
        name: 'Ok',
        commands: {
          go: command({
            doc: 'Go.',
            params: z.object({ device: z.string() }),
            result: z.object({}),
            run: () => ({}),
          }),
        },
      }),
    ).toThrow(/reserved/);
    expect(() =>
      defineDeviceClass({
        name: 'Clash',
        doc: 'x',
        commands: {
          set_gain: command({
            doc: 'Set.',
            params: z.object({}),
            result: z.object({}),
            run: () => ({}),
          }),
        },
        attributes: {
          gain: attribute({ doc: 'Control the gain.', type: z.number(), get: () => 1 }),
        },
      }),
    ).toThrow(/Clash_set_gain would have the name of command set_gain/);
  });
});
