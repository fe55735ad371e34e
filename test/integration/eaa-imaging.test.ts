import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeNpy } from '../../worker/artifacts/npy.js';
import { parseInstrumentSpec } from '../../worker/sim/ar488/instrument-spec.js';
import { startAr488Sim } from '../../worker/sim/ar488/start.js';
import { startLab, type Lab } from '../helpers/lab.js';
import { stopAllProcesses } from '../helpers/labrelay-process.js';
import { connectHttp } from '../helpers/mcp-client.js';
import { pythonWith } from '../helpers/python.js';

/*
 * EAA's logic-driven task managers against the simulated scanning microscope, through the SDK's
 * client over Streamable HTTP, with the tool and argument names EAA calls:
 *
 *   set_parameters → acquire_image → acquire_line_scan → get_image_array_payload / dump_array
 */
type Result = CallToolResult & { structuredContent?: any };
let lab: Lab;
let client: Client;
let gpib: Awaited<ReturnType<typeof startAr488Sim>>;

const call = (name: string, args: Record<string, unknown> = {}) =>
  client.callTool({ name, arguments: args }) as Promise<Result>;
const ok = async (name: string, args: Record<string, unknown> = {}) => {
  const r = await call(name, args);
  if (r.isError) throw new Error(`${name} failed: ${(r.content[0] as { text: string }).text}`);
  return r.structuredContent;
};
const errorText = async (name: string, args: Record<string, unknown>) => {
  const r = await call(name, args);
  expect(r.isError, `${name} should fail`).toBe(true);
  return (r.content[0] as { text: string }).text;
};

/** A lab with the simulated microscope and one DMM on an emulated bridge, both ready. */
async function imagingLab(
  emulator: Awaited<ReturnType<typeof startAr488Sim>>,
  imaging: string[] = [],
): Promise<{ lab: Lab; client: Client }> {
  const started = await startLab([], {
    extra: [
      'imaging:',
      '  microscope: simulated',
      ...imaging,
      'gpib:',
      '  bridges:',
      '    - name: bench-a',
      '      transport: tcp',
      '      host: 127.0.0.1',
      `      port: ${emulator.tcp!.port}`,
      '      auto_scan: false',
      '',
    ].join('\n'),
  });
  const mcp = await connectHttp(started.url);
  await started.process.waitFor(/bench-a: connected/);
  return { lab: started, client: mcp };
}

const dmm = () =>
  startAr488Sim({
    profile: 'twilight-0.53.04',
    instruments: parseInstrumentSpec('22=hp34401a'),
    tcp: { host: '127.0.0.1', port: 0 },
  });

beforeAll(async () => {
  gpib = await dmm();
  ({ lab, client } = await imagingLab(gpib));
}, 30_000);

afterAll(async () => {
  await client?.close();
  await stopAllProcesses();
  await gpib?.close();
});

it('an analytical focusing sweep finds the true focus: smallest FWHM within 0.3 of z = 3, clearly sharper than the range ends', async () => {
  // What EAA does when a task manager is built, then its first call.
  await ok('set_attribute', { name: 'line_scan_return_gaussian_fit', value: true });
  await ok('set_parameters', { parameters: [10] });
  const fwhm = new Map<number, number>();
  for (let z = 0; z <= 10; z += 0.5) {
    await ok('set_parameters', { parameters: [z] });
    const image = await ok('acquire_image', {
      x_center: 175,
      y_center: 175,
      size_x: 350,
      size_y: 350,
      scan_step: 1,
    });
    expect(image.psize).toBe(1);
    // EAA's initial line scan (x 160, y 170, scan_step 1) across the grid line at x = 160, but 40
    // long rather than 60: EAA's task manager follows the drift (up to 10 units here) by image
    // registration, which this sweep does not do, and a 60-unit line would reach the next line.
    const scan = await ok('acquire_line_scan', {
      x_center: 160,
      y_center: 170,
      length: 40,
      scan_step: 1,
    });
    expect(typeof scan.fwhm).toBe('number');
    fwhm.set(z, scan.fwhm);
  }
  const [bestZ, bestFwhm] = [...fwhm].reduce((a, b) => (b[1] < a[1] ? b : a));
  expect(Math.abs(bestZ - 3)).toBeLessThanOrEqual(0.3);
  // blur σ = |z − 3| / 10 × blur_factor 5: 1.5 samples at z = 0, 3.5 at z = 10; a line of FWHM
  // 1.3 then measures √(1.3² + (2.355 σ)²): 2.9× and 6.5× its focused width.
  expect(fwhm.get(0)! / bestFwhm).toBeGreaterThanOrEqual(2.5);
  expect(fwhm.get(10)! / bestFwhm).toBeGreaterThanOrEqual(5);
  const state = await ok('get_state');
  expect(state.parameter_history.z).toHaveLength(22);
  expect(state.counter_acquire_image).toBe(21);
}, 60_000);

it("rotates the buffers exactly as EAA's update_image_buffers, and every payload decodes in numpy to its .npy", async () => {
  const shots = [];
  for (const [x, size] of [
    [100, 40],
    [200, 50],
    [300, 60],
  ]) {
    shots.push(
      await ok('acquire_image', {
        x_center: x,
        y_center: 120,
        size_x: size,
        size_y: size / 2,
        scan_step: 1,
      }),
    );
  }
  const state = await ok('get_state');
  // initial = the first image of the run (the sweep's first), previous = second here, current = third.
  expect(state.buffers.image_km1).toEqual({ shape: [25, 50], psize: 1 });
  expect(state.buffers.image_k).toEqual({ shape: [30, 60], psize: 1 });
  expect(state.image_acquisition_call_history.at(-1)).toEqual({
    x_center: 300,
    y_center: 120,
    size_x: 60,
    size_y: 30,
    psize_x: 1,
    psize_y: 1,
  });

  // Each form alone, as EAA's era decodes it: encoded_data (era E, the default), numpy_base64
  // (eras B–D, by set_config); one copy of the pixels in either.
  const checks: Array<{ payload: string; npy: string }> = [];
  for (const [buffer, shot, form] of [
    ['current', shots[2], 'encoded_data'],
    ['previous', shots[1], 'numpy_base64'],
    ['image_k', shots[2], 'encoded_data'],
  ] as const) {
    await ok('set_config', { name: 'payload_format', value: form });
    const payload = await ok('get_image_array_payload', { buffer_name: buffer });
    await ok('set_config', { name: 'payload_format', value: 'encoded_data' });
    const fields = form === 'encoded_data' ? payload.encoded_data : payload;
    expect(Object.keys(payload)).toEqual(
      form === 'encoded_data' ? ['encoded_data'] : ['encoding', 'dtype', 'shape', 'data'],
    );
    expect(fields).toMatchObject({ dtype: 'float32', shape: shot.image_info.shape });
    const file = join(lab.dataDir, `payload-${buffer}.json`);
    writeFileSync(file, JSON.stringify(payload));
    checks.push({ payload: file, npy: shot.array_path });
    // The same in TypeScript: the .npy holds exactly the payload's bytes.
    const npy = decodeNpy(readFileSync(shot.array_path));
    expect(
      Buffer.from(fields.data, 'base64').equals(
        Buffer.from(npy.data.buffer, npy.data.byteOffset, npy.data.byteLength),
      ),
    ).toBe(true);
  }
  const dumped = await ok('dump_array', { buffer_name: 'initial' });
  expect(dumped).toMatchObject({ dtype: 'float32', psize: 1 });
  const attribute = await call('get_attribute_payload', { name: 'image_0' });
  const attributeFile = join(lab.dataDir, 'attribute-image_0.json');
  writeFileSync(attributeFile, JSON.stringify(attribute.structuredContent.result));

  // EAA's decoders, as written in eaa_core: frombuffer(b64decode(data), dtype).reshape(shape).
  const script = `
import base64, json, sys
import numpy as np
checks = json.loads(sys.argv[1])
for c in checks:
    p = json.load(open(c["payload"]))
    if "encoded_data" in p:  # era E: decode_array_payload
        p = p["encoded_data"]
        assert p["type"] == "array"
    else:  # eras B-D
        assert p["encoding"] == "numpy_base64"
    a = np.frombuffer(base64.b64decode(p["data"]), dtype=np.dtype(p["dtype"])).reshape(p["shape"])
    n = np.load(c["npy"], allow_pickle=False)
    assert n.dtype == np.float32 and n.shape == a.shape, (n.dtype, n.shape, a.shape)
    assert np.array_equal(a, n)
dump = np.load(sys.argv[2], allow_pickle=False)
attr = json.load(open(sys.argv[3]))
a0 = np.frombuffer(base64.b64decode(attr["encoded_data"]["data"]), dtype="float32").reshape(attr["encoded_data"]["shape"])
assert np.array_equal(dump, a0)
print("ok", len(checks), dump.shape)
`;
  const run = spawnSync(
    pythonWith('numpy'),
    ['-c', script, JSON.stringify(checks), dumped.array_path, attributeFile],
    {
      encoding: 'utf8',
    },
  );
  expect(run.stderr).toBe('');
  expect(run.stdout.trim()).toBe(`ok 3 (${dumped.shape[0]}, ${dumped.shape[1]})`);
});

describe('bad input: a clear error and no state changed', () => {
  const cases: Array<[string, string, Record<string, unknown>, RegExp]> = [
    [
      'wrong parameter count',
      'set_parameters',
      { parameters: [1, 2] },
      /takes 1 value \(z\); got 2: \[1,2\]/,
    ],
    [
      'an out-of-range value',
      'set_parameters',
      { parameters: [12] },
      /parameter z = 12 is outside its range \[0, 10\]; nothing was changed/,
    ],
    [
      'a negative size',
      'acquire_image',
      { x_center: 1, y_center: 1, size_x: -5, size_y: 5 },
      /"size_x" = -5: too small: expected number to be >0/,
    ],
    [
      'a zero scan step',
      'acquire_image',
      { x_center: 1, y_center: 1, size_x: 5, size_y: 5, scan_step: 0 },
      /"scan_step" = 0: too small: expected number to be >0/,
    ],
    [
      'too many samples',
      'acquire_image',
      { x_center: 1, y_center: 1, size_x: 5000, size_y: 5 },
      /size_x 5000 \/ scan_step 1 gives 5000 samples; at most 4096/,
    ],
    [
      'too short a line to fit',
      'acquire_line_scan',
      { x_center: 1, y_center: 1, length: 2, scan_step: 1 },
      /gives 2 points; the Gaussian fit needs at least 5/,
    ],
    [
      'an unknown buffer name',
      'get_image_array_payload',
      { buffer_name: 'latest' },
      /"buffer_name" = "latest": invalid option: expected one of "current"\|"previous"\|"initial"/,
    ],
    [
      'a path-like buffer name',
      'dump_array',
      { buffer_name: '../../etc/passwd' },
      /"buffer_name" = "..\/..\/etc\/passwd": invalid option/,
    ],
    [
      'an unknown setting',
      'set_attribute',
      { name: 'exposure', value: 3 },
      /unknown setting "exposure"; allowed: line_scan_return_gaussian_fit, poisson_noise_scale/,
    ],
    [
      'a setting of the wrong type',
      'set_config',
      { name: 'line_scan_return_gaussian_fit', value: 'yes' },
      /setting "line_scan_return_gaussian_fit" = "yes" is not allowed: true\/false/,
    ],
  ];
  it.each(cases)('%s', async (_, tool, args, message) => {
    const before = await ok('get_state');
    expect(await errorText(tool, args)).toMatch(message);
    const after = await ok('get_state');
    expect(after).toEqual(before);
  });

  it('a fit that cannot be made is an error that says why, never NaN or null', async () => {
    // Far off the specimen: nothing but zeros to fit.
    const text = await errorText('acquire_line_scan', {
      x_center: 5000,
      y_center: 5000,
      length: 40,
      scan_step: 1,
    });
    expect(text).toMatch(
      /the line scan at \(5000, 5000\) could not be fitted: .*flat.*\[DEVICE_ERROR\]/,
    );
  });
});

/** Starts an acquisition, then after `delayMs` a GPIB query; times both from the start. */
async function queryDuringScan(
  scan: Record<string, unknown>,
  delayMs: number,
  on: Client = client,
) {
  const started = performance.now();
  const acquisition = on.callTool({ name: 'acquire_image', arguments: scan }) as Promise<Result>;
  await new Promise((r) => setTimeout(r, delayMs));
  const queryStarted = performance.now();
  const query = (await on.callTool({
    name: 'instrument_query',
    arguments: { bridge_name: 'bench-a', address: 22, command: 'MEAS:VOLT:DC?' },
  })) as Result;
  expect(query.isError).toBeFalsy();
  const reading = query.structuredContent;
  const queryDone = performance.now();
  expect((await acquisition).isError).toBeFalsy();
  return {
    reading,
    queryMs: queryDone - queryStarted,
    queryDone: queryDone - started,
    scanDone: performance.now() - started,
  };
}

it('an acquisition and a GPIB query issued together do not wait for each other', async () => {
  // 150 × 100 pixels at 100 µs each: a 1.5 s scan.
  const { reading, queryDone, scanDone } = await queryDuringScan(
    { x_center: 200, y_center: 200, size_x: 150, size_y: 100, dwell_us: 100 },
    100,
  );
  expect(reading.response).toMatch(/E[+-]\d\d$/);
  expect(queryDone).toBeLessThan(scanDone);
  expect(scanDone).toBeGreaterThanOrEqual(1500);
});

it("a large scan's arithmetic runs off the worker's event loop: a GPIB query meanwhile is not held up", async () => {
  // 2048² samples with blur and noise: a few hundred ms of computing, no dwell.
  const { queryMs, scanDone } = await queryDuringScan(
    { x_center: 512, y_center: 512, size_x: 1024, size_y: 1024, scan_step: 0.5 },
    20,
  );
  // The control: the same scan and query on a worker that computes scans on its event loop
  // (scan_threads: 0), where the query has to wait for the arithmetic.
  const emulator = await dmm();
  const control = await imagingLab(emulator, ['  scan_threads: 0']);
  try {
    const onLoop = await queryDuringScan(
      { x_center: 512, y_center: 512, size_x: 1024, size_y: 1024, scan_step: 0.5 },
      20,
      control.client,
    );
    expect(queryMs).toBeLessThan(onLoop.queryMs / 3);
    expect(queryMs).toBeLessThan(scanDone / 4);
  } finally {
    await control.client.close();
    await control.lab.process.stop(5000);
    await emulator.close();
  }
}, 60_000);
