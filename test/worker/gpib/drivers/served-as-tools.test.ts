import { afterEach, describe, expect, it } from 'vitest';
import { DeviceRegistry } from '../../../../worker/devices/device-registry.js';
import { bindGpibDevices } from '../../../../worker/gpib/devices/index.js';
import { BridgeManager } from '../../../../worker/gpib/bridge-manager.js';
import { Ar488Emulator } from '../../../../worker/sim/ar488/emulator.js';
import { parseInstrumentSpec } from '../../../../worker/sim/ar488/instrument-spec.js';
import { captureLog } from '../../../helpers/capture-log.js';
import { deviceRuntime } from '../../../helpers/device-runtime.js';
import { EmulatorLink } from '../../../helpers/emulator-link.js';
import { testBridgeConfig } from '../../../helpers/expected-protocol.js';

/*
 * The whole path a model's call takes, minus ZeroMQ:
 *
 *   {method: HPE3631A_set_output} ─▶ dispatcher (params validated by the driver's zod schema)
 *     ─▶ device tool ─▶ driver ─▶ GpibSession ─▶ AR488 emulator ─▶ simulated E3631A
 */
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function lab() {
  const emulator = new Ar488Emulator({
    profile: 'twilight-0.53.04',
    instruments: parseInstrumentSpec('22=hp34401a,5=hp-e3631a,1=tek-scope,23=hp3478a'),
  });
  const log = captureLog();
  const manager = new BridgeManager(
    [testBridgeConfig({ name: 'bench', readTmoMs: 300, readTimeoutMs: 3000, linkSlackMs: 100 })],
    log,
    () => new EmulatorLink(emulator),
  );
  const registry = new DeviceRegistry();
  cleanups.push(
    () => manager.closeAll(),
    bindGpibDevices({ manager, registry, overrides: { 'bench/23': 'HP3478A' }, log }),
  );
  const { runtime, send, tool } = deviceRuntime({ registry, attributeTools: true, log });
  await manager.connect('bench');
  await expect.poll(() => registry.list().length, { timeout: 5000 }).toBe(4);
  runtime.refresh();
  return { send, tool, log };
}

describe('GPIB drivers served as tools', () => {
  it('serves every class with one tool per command, flags and units in the schemas', async () => {
    const { tool, log } = await lab();
    expect(log.lines.filter((l) => l.startsWith('error'))).toEqual([]);
    const set = tool('HPE3631A_set_output')!;
    expect(set.annotations).toMatchObject({ destructiveHint: true, readOnlyHint: false });
    expect((set.inputSchema.properties as any).voltage).toMatchObject({ 'x-unit': 'V' });
    expect(tool('HP34401A_measure_voltage_dc')!.annotations).toMatchObject({ readOnlyHint: true });
    expect(tool('HP3478A_read_status')).toBeDefined();
    expect(tool('TDS2024B_acquire_waveform')).toBeDefined();
    expect(tool('HPE3631A_get_output_enabled')).toBeDefined();
    expect(tool('HPE3631A_set_output_enabled')).toBeUndefined();
  });

  it('refuses an E3631A setting beyond its output, naming field, value and range', async () => {
    const { send } = await lab();
    const reply = await send('HPE3631A_set_output', {
      channel: 'P6V',
      voltage: 12,
      current_limit: 1,
    });
    expect(reply).toMatchObject({ status: 'error', code: 'INVALID_PARAMS' });
    expect((reply as { error: string }).error).toMatch(
      /"voltage" = 12: voltage 12 V is outside output P6V's range 0 … 6\.18 V/,
    );
  });

  it('sets, switches on and measures the simulated supply; reads the DMM and the scope', async () => {
    const { send } = await lab();
    expect(
      await send('HPE3631A_set_output', { channel: 'P25V', voltage: 15, current_limit: 0.5 }),
    ).toMatchObject({
      status: 'ok',
      result: { channel: 'P25V', voltage: 15, current_limit: 0.5 },
    });
    expect(await send('HPE3631A_output_on')).toMatchObject({
      result: { output_enabled: true },
    });
    const volts = await send('HPE3631A_measure_voltage', { channel: 'P25V' });
    expect((volts as { result: number }).result).toBeCloseTo(15, 2);
    const dmm = await send('HP34401A_measure_voltage_dc', { range: 10 });
    expect((dmm as { result: number }).result).toBeCloseTo(4.23451, 3);
    const meter = await send('HP3478A_measure_voltage_dc');
    expect((meter as { result: number }).result).toBeCloseTo(4.23451, 3);
    const wave = await send('TDS2024B_acquire_waveform', { channel: 1 });
    expect(wave).toMatchObject({
      status: 'ok',
      result: { encoding: 'artifact', metadata: { units: 'V', points: 2500, dtype: 'float32' } },
    });
  });
});
