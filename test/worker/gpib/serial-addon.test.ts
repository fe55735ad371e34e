import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { WorkerClient } from '../../../frontend/worker-client/index.js';
import { parseInstrumentSpec } from '../../../worker/sim/ar488/instrument-spec.js';
import { startAr488Sim } from '../../../worker/sim/ar488/start.js';
import { labConfig } from '../../helpers/lab.js';
import { LabrelayProcess, ROOT, stopAllProcesses } from '../../helpers/labrelay-process.js';

/*
 * A machine where node-serialport's native addon cannot load: the worker starts, the serial
 * bridge says why it is unavailable, and the TCP bridge and the microscope work on.
 */
let emulator: Awaited<ReturnType<typeof startAr488Sim>> | undefined;
afterAll(async () => {
  await stopAllProcesses();
  await emulator?.close();
});

it('a serial addon that cannot load leaves only the serial bridge unavailable, saying why', async () => {
  emulator = await startAr488Sim({
    profile: 'twilight-0.53.04',
    instruments: parseInstrumentSpec('22=hp34401a'),
    tcp: { host: '127.0.0.1', port: 0 },
  });
  const config = await labConfig({
    extra: [
      'imaging:',
      '  microscope: simulated',
      'gpib:',
      '  bridges:',
      '    - { name: over-tcp, transport: tcp, host: 127.0.0.1, ' +
        `port: ${emulator.tcp!.port}, auto_scan: false }`,
      '    - { name: over-usb, transport: serial, port: /dev/ttyUSB-labrelay-test, auto_scan: false }',
      '',
    ].join('\n'),
  });
  const worker = LabrelayProcess.spawn(['worker', '--config', config.configPath], {
    env: { NODE_OPTIONS: `--import=${join(ROOT, 'test', 'helpers', 'no-serialport.mjs')}` },
  });
  await worker.waitFor(/worker ready/);
  await worker.waitFor(/over-tcp: connected/);
  const client = new WorkerClient({ endpoint: config.workerEndpoint, events: false });
  try {
    await expect
      .poll(async () => {
        const { bridges } = await client.call('list_bridges', {});
        return bridges.find((b) => b.name === 'over-usb')?.last_error ?? '';
      })
      .toMatch(
        /^serial \/dev\/ttyUSB-labrelay-test @115200 is unavailable: the serialport native addon did not load on this machine \(simulated: no prebuilt serialport binary for this platform\); TCP bridges and the rest of the worker are not affected/,
      );
    const reading = await client.call('instrument_query', {
      bridge_name: 'over-tcp',
      address: 22,
      command: 'MEAS:VOLT:DC?',
    });
    expect((reading as unknown as { response: string }).response).toMatch(/E[+-]\d\d$/);
    const image = await client.call('acquire_image', {
      x_center: 100,
      y_center: 100,
      size_x: 16,
      size_y: 16,
    });
    expect(image.psize).toBe(1);
    expect(await client.call('health', {})).toEqual({ status: 'ok' });
  } finally {
    client.close();
  }
});
