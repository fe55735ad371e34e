import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ToolListChangedNotificationSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInstrumentSpec } from '../../worker/sim/ar488/instrument-spec.js';
import { startAr488Sim } from '../../worker/sim/ar488/start.js';
import { startLab, type Lab } from '../helpers/lab.js';
import { ENTRY, stopAllProcesses } from '../helpers/labrelay-process.js';
import { connectHttp } from '../helpers/mcp-client.js';
import { toolCalls } from '../helpers/tool-calls.js';

/*
 * Discovery as a model sees it, through the SDK's client: two emulated AR488 bridges, each with
 * a 34401A at 22, and blocking rules in the config.
 *
 *   bench-a (scanned at start): 34401A @22, E3631A @5, TDS2024B @1
 *   bench-b (scanned by the test): 34401A @22, Keithley 2000 @16, HP 3478A @23 (class from config)
 */
let lab: Lab;
let client: Client;
const sims: Array<{ close(): Promise<void> }> = [];
let toolListChanges = 0;

const { ok, errorText } = toolCalls(() => client);
const tools = async () => new Map((await client.listTools()).tools.map((t) => [t.name, t]));
const until = async (what: string, check: () => Promise<boolean>) => {
  for (let i = 0; i < 150; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
};

beforeAll(async () => {
  const benchA = await startAr488Sim({
    profile: 'twilight-0.53.04',
    instruments: parseInstrumentSpec('22=hp34401a,5=hp-e3631a,1=tek-scope'),
    tcp: { host: '127.0.0.1', port: 0 },
  });
  const benchB = await startAr488Sim({
    profile: 'twilight-0.53.04',
    instruments: parseInstrumentSpec('22=hp34401a,16=keithley2000,23=hp3478a'),
    tcp: { host: '127.0.0.1', port: 0 },
  });
  sims.push(benchA, benchB);
  lab = await startLab(['--verbose'], {
    diagnostics: false,
    extra: [
      'gpib:',
      '  bridges:',
      `    - { name: bench-a, transport: tcp, host: 127.0.0.1, port: ${benchA.tcp!.port} }`,
      `    - { name: bench-b, transport: tcp, host: 127.0.0.1, port: ${benchB.tcp!.port}, auto_scan: false, instruments: { "23": HP3478A } }`,
      'imaging:',
      '  microscope: simulated',
      '  scan_threads: 1',
      'devices:',
      '  attribute_tools: true',
      '  blocked_functions:',
      '    HPE3631A: [output_on]',
      '    "*": [display_text]',
      '',
    ].join('\n'),
  });
  client = await connectHttp(lab.url);
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => void toolListChanges++);
  await until('bench-a bound', async () => (await tools()).has('HPE3631A_set_output'));
}, 30_000);

afterAll(async () => {
  await client?.close();
  await stopAllProcesses();
  for (const sim of sims) await sim.close();
});

describe('the simulated microscope as devices', () => {
  it("lists Asyncroscopy's device set as tools, beside EAA's tools and the composite ones", async () => {
    const listed = await tools();
    for (const name of [
      'Microscope_get_image',
      'Microscope_get_spectrum',
      'Microscope_get_voltage',
      'Microscope_set_magnification',
      'ThermoMicroscope_acquire_multimodal',
      'Stage_move_to',
      'Stage_get_position',
      'HAADF_acquire',
      'EELS_acquire',
      'EDS_acquire',
      'Corrector_measure_c1a1',
      'Scan_configure',
      'acquire_image',
      'autofocus',
      'acquire_mosaic',
    ]) {
      expect(listed.has(name), name).toBe(true);
    }
    const move = listed.get('Stage_move_to')!;
    expect(move.description).toContain('Device class: Stage\nCommand: move_to\nDevice: stage');
    expect((move.inputSchema.properties as any).x).toMatchObject({
      minimum: -500,
      maximum: 500,
      'x-unit': 'nm',
    });
  });

  it('a stage move shows in what the EAA tools report; a spectrum comes back inline', async () => {
    expect(await ok('Stage_move_to', { x: 40, y: -20 })).toMatchObject({ x: 40, y: -20 });
    expect(await ok('Stage_get_position')).toMatchObject({ x: 40, y: -20 });
    expect((await ok('get_state')).settings.stage).toMatchObject({ x: 40, y: -20 });
    const refused = await errorText('Stage_move_to', { x: 900 });
    expect(refused).toMatch(/"x" = 900/);
    expect(refused).toMatch(/-500 … 500/);

    const spectrum = await ok('Microscope_get_spectrum', { detector: 'eels', x: 0.5, y: 0.5 });
    expect(spectrum.encoding).toBe('base64');
    expect(spectrum.metadata).toMatchObject({ dtype: 'float32' });
    const image = await ok('Microscope_get_image', {});
    expect(readFileSync(image.img_path).subarray(1, 4).toString()).toBe('PNG');
    await ok('Stage_move_to', { x: 0, y: 0 });
  });
});

describe('device discovery through MCP', () => {
  it('lists one tool per served class and command, with typed schemas and descriptions', async () => {
    const listed = await tools();
    for (const name of [
      'list_devices',
      'HP34401A_measure_voltage_dc',
      'HP34401A_measure_resistance_4w',
      'HPE3631A_set_output',
      'HPE3631A_measure_voltage',
      'HPE3631A_output_off',
      'HPE3631A_get_output_enabled',
      'TDS2024B_acquire_waveform',
    ]) {
      expect(listed.has(name), name).toBe(true);
    }
    // Blocked: per class, and for every class.
    expect(listed.has('HPE3631A_output_on')).toBe(false);
    expect(listed.has('HP34401A_display_text')).toBe(false);
    // Not yet scanned.
    expect(listed.has('Keithley2000_measure_voltage_dc')).toBe(false);

    const set = listed.get('HPE3631A_set_output')!;
    expect(set.inputSchema).toMatchObject({
      type: 'object',
      required: expect.arrayContaining(['channel', 'voltage', 'current_limit']),
      additionalProperties: false,
    });
    const props = set.inputSchema.properties as Record<string, any>;
    expect(props.channel.enum).toEqual(['P6V', 'P25V', 'N25V']);
    expect(props.voltage['x-unit']).toBe('V');
    expect(props.current_limit['x-unit']).toBe('A');
    expect(set.description).toMatch(/^Set one output's voltage and current limit/);
    expect(set.description).toContain(
      '\nDevice class: HPE3631A\nCommand: set_output\nDevice: bench-a/5',
    );
    expect(set.annotations).toMatchObject({ destructiveHint: true, readOnlyHint: false });

    const dcv = listed.get('HP34401A_measure_voltage_dc')!;
    // One 34401A so far: no device argument.
    expect(dcv.inputSchema.properties).not.toHaveProperty('device');
    expect(dcv.annotations).toMatchObject({ readOnlyHint: true });
  });

  it('runs typed commands on the simulated instruments, refusing out-of-range values first', async () => {
    const setting = await ok('HPE3631A_set_output', {
      channel: 'P25V',
      voltage: 12.5,
      current_limit: 0.2,
    });
    expect(setting).toMatchObject({ channel: 'P25V', voltage: 12.5, current_limit: 0.2 });
    // output_on is blocked here, so the outputs stay off and the terminals read ~0 V.
    const measured = await ok('HPE3631A_measure_voltage', { channel: 'P25V' });
    expect(Math.abs(measured.result)).toBeLessThan(1e-3);
    const refused = await errorText('HPE3631A_set_output', {
      channel: 'P6V',
      voltage: 12,
      current_limit: 1,
    });
    expect(refused).toContain("voltage 12 V is outside output P6V's range 0 … 6.18 V");
    const dcv = await ok('HP34401A_measure_voltage_dc', {});
    expect(dcv.result).toBeTypeOf('number');
  });

  it('a blocked command answers BLOCKED from the worker too, naming the rule', () => {
    const reply = spawnSync(
      process.execPath,
      [ENTRY, 'call', 'HPE3631A_output_on', '{}', '--worker', lab.workerEndpoint],
      { encoding: 'utf8', timeout: 15_000 },
    );
    expect(reply.status).toBe(1);
    const envelope = JSON.parse(reply.stdout);
    expect(envelope).toMatchObject({
      status: 'error',
      code: 'BLOCKED',
      error:
        'HPE3631A_output_on is blocked by configuration and was not run: HPE3631A.output_on is blocked by devices.blocked_functions',
    });
    const audit = readFileSync(`${lab.dataDir}/audit.jsonl`, 'utf8');
    expect(audit).toMatch(/"method":"HPE3631A_output_on".*"code":"BLOCKED"/);
  });

  it('a bus scan that finds new instruments adds their tools with tools/list_changed; one class on two bridges takes a device argument', async () => {
    const before = toolListChanges;
    const scan = await ok('bus_scan', { bridge_name: 'bench-b' });
    expect(scan.instruments.map((i: { address: number }) => i.address)).toEqual([16, 22, 23]);
    await until('tools/list_changed', async () => toolListChanges > before);
    let listed: Map<string, Tool> = new Map();
    await until('the new tools', async () => {
      listed = await tools();
      return listed.has('Keithley2000_measure_voltage_dc') && listed.has('HP3478A_read_status');
    });

    const dcv = listed.get('HP34401A_measure_voltage_dc')!;
    expect((dcv.inputSchema.properties as any).device.enum).toEqual(['bench-a/22', 'bench-b/22']);
    expect(dcv.inputSchema.required).toContain('device');
    expect(dcv.description).toContain('Devices (pass one as device): bench-a/22, bench-b/22');
    expect(await errorText('HP34401A_measure_voltage_dc', {})).toMatch(/device/);
    for (const device of ['bench-a/22', 'bench-b/22']) {
      expect(await ok('HP34401A_measure_voltage_dc', { device })).toBeDefined();
    }
    // The 3478A, bound by the config because it has no *IDN?, answers in its own codes.
    expect(await ok('HP3478A_read_status', {})).toBeDefined();

    const { devices } = await ok('list_devices', {});
    const onBuses = devices.filter((d: { origin: string }) => d.origin.startsWith('gpib:'));
    expect(onBuses.map((d: { name: string; class: string }) => `${d.name} ${d.class}`)).toEqual([
      'bench-a/1 TDS2024B',
      'bench-a/5 HPE3631A',
      'bench-a/22 HP34401A',
      'bench-b/16 Keithley2000',
      'bench-b/22 HP34401A',
      'bench-b/23 HP3478A',
    ]);
    const hp3478 = devices.find((d: { name: string }) => d.name === 'bench-b/23');
    expect(hp3478).toMatchObject({
      origin: 'gpib:bench-b',
      resource: 'gpib:bench-b',
      info: { bridge: 'bench-b', address: 23, bound_by: 'config' },
    });
  });

  it('--verbose prints the devices, their commands and the registered tool signatures to stderr', async () => {
    await lab.process.waitFor(/class HPE3631A \(bench-a\/5\)/);
    await lab.process.waitFor(
      /tool HPE3631A_set_output\(channel: "P6V"\|"P25V"\|"N25V", voltage: number \[V/,
    );
    expect(lab.process.stderr).toMatch(
      /device bench-a\/22: HP34401A from gpib:bench-a on gpib:bench-a/,
    );
  });
});
