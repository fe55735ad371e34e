import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../launcher/config/load.js';
import { ENTRY } from '../helpers/labrelay-process.js';

const parse = (text: string) => () => parseConfig(text, 'lab.yaml');

describe('parseConfig', () => {
  it('fills defaults for an empty file', () => {
    const config = parseConfig('', 'lab.yaml');
    expect(config.worker).toMatchObject({
      bind: 'tcp://127.0.0.1:5555',
      queue_timeout_ms: 120000,
      diagnostics: false,
    });
    expect(config.frontend).toMatchObject({
      transport: 'http',
      host: '127.0.0.1',
      port: 8050,
      path: '/mcp',
    });
  });

  it('names the file, line, key path, value and what is allowed', () => {
    expect(parse('worker:\n  name: bench\n  queue_timeout_ms: -3\n')).toThrow(
      /lab\.yaml:3: worker\.queue_timeout_ms: Too small: expected number to be >=100 \(got -3\)/,
    );
    expect(parse('frontend:\n  transport: sse\n')).toThrow(
      /lab\.yaml:2: frontend\.transport: Invalid option: expected one of "http"\|"stdio" \(got "sse"\)/,
    );
    expect(parse('worker:\n  bind: http://localhost:5555\n')).toThrow(
      /worker\.bind: must be tcp:\/\/HOST:PORT or ipc:\/\/PATH/,
    );
  });

  it('has no microscope unless the imaging section names one, and fills its defaults', () => {
    expect(parseConfig('', 'lab.yaml').imaging).toBeUndefined();
    const imaging = parseConfig('imaging:\n  microscope: simulated\n', 'lab.yaml').imaging!;
    expect(imaging).toMatchObject({
      seed: 1,
      parameters: [{ name: 'z', true_value: 3, lower: 0, upper: 10 }],
      blur_factor: 5,
      poisson_noise_scale: 100,
      line_scan_return_gaussian_fit: true,
      payload_format: 'encoded_data',
      keep_last: 0,
    });
    expect(imaging.scan_threads).toBeGreaterThanOrEqual(1);
  });

  it('checks each optics parameter: range, true value, initial value, unique names', () => {
    const params = (list: string) =>
      parse(`imaging:\n  microscope: simulated\n  parameters: ${list}\n`);
    expect(params('[{name: z, true_value: 3, lower: 10, upper: 0}]')).toThrow(
      /imaging\.parameters\.0\.lower: lower must be below upper/,
    );
    expect(params('[{name: z, true_value: 12, lower: 0, upper: 10}]')).toThrow(
      /imaging\.parameters\.0\.true_value: true_value must lie within \[lower, upper\]/,
    );
    expect(params('[{name: z, true_value: 3, lower: 0, upper: 10, initial: -1}]')).toThrow(
      /imaging\.parameters\.0\.initial: initial must lie within \[lower, upper\]/,
    );
    expect(
      params(
        '[{name: z, true_value: 3, lower: 0, upper: 10}, {name: z, true_value: 1, lower: 0, upper: 2}]',
      ),
    ).toThrow(/imaging\.parameters: parameter names must be unique/);
    expect(params('[{name: 2z, true_value: 3, lower: 0, upper: 10}]')).toThrow(
      /imaging\.parameters\.0\.name: must be an identifier/,
    );
  });

  it('reads the devices section: blocking rules, attribute tools, plugins', () => {
    expect(parseConfig('', 'lab.yaml').devices).toEqual({
      attribute_tools: false,
      blocked_functions: [],
      blocked_classes: [],
      include_only: [],
      plugins: [],
    });
    const devices = parseConfig(
      [
        'devices:',
        '  attribute_tools: true',
        '  blocked_functions: { "*": [reset], Stage: [move_to], HPE3631A: [HPE3631A.*] }',
        '  include_only: [Stage.get_position, measure_voltage_dc]',
        '  plugins: [./a.js, { path: ./b.js, options: { port: 3 } }]',
      ].join('\n'),
      'lab.yaml',
    ).devices;
    expect(devices.blocked_functions).toEqual({
      '*': ['reset'],
      Stage: ['move_to'],
      HPE3631A: ['HPE3631A.*'],
    });
    expect(devices.plugins).toEqual(['./a.js', { path: './b.js', options: { port: 3 } }]);
    expect(parse('devices:\n  blocked_functions: [Stage.move to]\n')).toThrow(
      /lab\.yaml:2: devices\.blocked_functions.*must be command, Class\.command or Class\.\*/,
    );
  });

  it('binds GPIB addresses to driver classes, checking address and class', () => {
    const bridge = (instruments: string) =>
      `gpib:\n  bridges:\n    - { name: b, transport: tcp, host: h, instruments: ${instruments} }\n`;
    expect(
      parseConfig(bridge('{"23": HP3478A, "9.2": HP34401A}'), 'lab.yaml').gpib.bridges[0],
    ).toMatchObject({ instruments: { '23': 'HP3478A', '9.2': 'HP34401A' } });
    expect(parse(bridge('{"31": HP3478A}'))).toThrow(/must be a GPIB address 1–30/);
    expect(parse(bridge('{"23": hp3478a}'))).toThrow(/must be a device class name/);
    expect(parse(bridge('{"23": HP3457A}'))).toThrow(
      /gpib\.bridges\.0\.instruments\.23: no GPIB driver is named "HP3457A"; drivers: HP34401A, HPE3631A, Keithley2000, HP3478A, TDS2024B \(got "HP3457A"\)/,
    );
  });

  it('refuses unknown keys and lists the allowed ones', () => {
    expect(parse('worker:\n  queue_timout_ms: 5\n')).toThrow(
      /unknown key queue_timout_ms in worker; allowed: name, bind, events_endpoint, curve, data_dir, audit_log/,
    );
    expect(parse('workers: {}\n')).toThrow(
      /unknown key workers in the top level; allowed: worker, gpib, imaging, devices, frontend, tango, policy, launcher/,
    );
  });

  it('refuses YAML that does not parse, and duplicate keys', () => {
    expect(parse('worker: [unclosed\n')).toThrow(ConfigError);
    expect(parse('worker:\n  name: a\n  name: b\n')).toThrow(/not valid YAML/);
  });
});

describe('the CLI', () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [ENTRY, ...args], { encoding: 'utf8' });

  it('check-config validates without starting anything', () => {
    const dir = mkdtempSync(join(tmpdir(), 'labrelay-config-'));
    writeFileSync(join(dir, 'good.yaml'), 'worker:\n  diagnostics: true\n  data_dir: ./data\n');
    writeFileSync(join(dir, 'bad.yaml'), 'frontend:\n  port: 99999\n');
    const good = run('check-config', join(dir, 'good.yaml'));
    expect(good.status).toBe(0);
    expect(good.stdout).toMatch(/good\.yaml is valid/);
    expect(good.stdout).toContain(`# data_dir: ${join(dir, 'data')}`);
    const bad = run('check-config', join(dir, 'bad.yaml'));
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(
      /bad\.yaml:2: frontend\.port: Too big: expected number to be <=65535 \(got 99999\)/,
    );
    expect(run('check-config', join(dir, 'missing.yaml')).stderr).toMatch(
      /cannot read config file .*missing\.yaml/,
    );
  });

  it('explains usage errors with exit code 2', () => {
    const unknown = run('frobnicate');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "frobnicate"/);
    expect(run('start', '--port', 'eighty').stderr).toMatch(
      /--port must be a whole number; got "eighty"/,
    );
    expect(run('worker', '--bogus').status).toBe(2);
    expect(run('--help').stdout).toMatch(/labrelay start \[--config FILE\]/);
  });

  it('the worker refuses to bind a non-loopback address and says why', () => {
    const result = run('worker', '--bind', 'tcp://0.0.0.0:5999');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /refusing to bind tcp:\/\/0\.0\.0\.0:5999 without CURVE keys: .*anyone on the network drive the instruments. Generate a key pair with `labrelay keys`/,
    );
  });

  it('call reports an unreachable worker as an error reply, not a hang', () => {
    const result = run('call', 'health', '--worker', 'tcp://127.0.0.1:1', '--timeout', '300');
    expect(result.status).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'error', code: 'TIMEOUT' });
  });
});
