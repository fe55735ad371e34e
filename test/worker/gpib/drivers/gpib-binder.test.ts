import { afterEach, describe, expect, it } from 'vitest';
import { DeviceRegistry } from '../../../../worker/devices/device-registry.js';
import { bindGpibDevices } from '../../../../worker/gpib/devices/index.js';
import type { GpibState } from '../../../../worker/gpib/drivers/scpi-driver.js';
import { BridgeManager } from '../../../../worker/gpib/bridge-manager.js';
import { Ar488Emulator } from '../../../../worker/sim/ar488/emulator.js';
import { parseInstrumentSpec } from '../../../../worker/sim/ar488/instrument-spec.js';
import { Ieee488Device } from '../../../../worker/sim/instruments/ieee488-device.js';
import { captureLog } from '../../../helpers/capture-log.js';
import { EmulatorLink } from '../../../helpers/emulator-link.js';
import { testBridgeConfig } from '../../../helpers/expected-protocol.js';
import { callCommand } from './gpib-kit.js';

/*
 * bus_scan on an emulated bench, then the device registry:
 *
 *   BridgeManager.scan('bench') ─▶ InstrumentRegistry.replace ─▶ onChange('bench')
 *        ─▶ bindGpibDevices: *IDN? → driver, or the config's class ─▶ DeviceRegistry.replaceOrigin
 */
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function bench(overrides: Record<string, string> = {}) {
  const emulator = new Ar488Emulator({
    profile: 'twilight-0.53.04',
    instruments: [
      ...parseInstrumentSpec('22=hp34401a,5=hp-e3631a,1=tek-scope,23=hp3478a,16=keithley2000'),
      ...parseInstrumentSpec('9:97=hp34401a'),
      // Something no driver knows: reachable through instrument_query only.
      { address: 12, device: new Ieee488Device({ idn: 'ACME INSTRUMENTS,WIDGET 9,42,1.0' }) },
    ],
  });
  const log = captureLog();
  const manager = new BridgeManager(
    [testBridgeConfig({ name: 'bench', readTmoMs: 300, readTimeoutMs: 3000, linkSlackMs: 100 })],
    log,
    () => new EmulatorLink(emulator),
  );
  const registry = new DeviceRegistry();
  const unbind = bindGpibDevices({ manager, registry, overrides, log });
  cleanups.push(() => manager.closeAll(), unbind);
  return { emulator, manager, registry, log };
}

/** Waits until the registry holds exactly these devices (binding runs after the scan). */
async function devicesOf(registry: DeviceRegistry, names: string[]) {
  await expect
    .poll(() => registry.list().map((d) => `${d.name} ${d.deviceClass.name}`), { timeout: 5000 })
    .toEqual(names);
}

describe('bindGpibDevices', () => {
  it('binds scanned instruments by *IDN?, and by the config when they have none', async () => {
    const { manager, registry } = bench({ 'bench/23': 'HP3478A' });
    await manager.connect('bench');
    await devicesOf(registry, [
      'bench/1 TDS2024B',
      'bench/5 HPE3631A',
      'bench/9.1 HP34401A',
      'bench/16 Keithley2000',
      'bench/22 HP34401A',
      'bench/23 HP3478A',
    ]);

    const dmm = registry.get('bench/22')!;
    expect(dmm).toMatchObject({
      resource: 'gpib:bench',
      origin: 'gpib:bench',
      info: {
        bridge: 'bench',
        address: 22,
        manufacturer: 'HEWLETT-PACKARD',
        model: '34401A',
        serial: '0',
        firmware: '11-5-2',
        bound_by: 'idn',
      },
    });
    expect(JSON.parse(JSON.stringify(dmm.info))).toEqual(dmm.info);
    expect(registry.get('bench/23')!.info).toEqual({
      bridge: 'bench',
      address: 23,
      manufacturer: null,
      model: null,
      serial: null,
      firmware: null,
      bound_by: 'config',
    });
    expect(registry.get('bench/9.1')!.info).toMatchObject({ address: 9, secondary_address: 1 });
    // The ACME widget at 12 stays a bare instrument.
    expect(manager.registry.list('bench').map((r) => r.address)).toContain(12);
    expect(registry.get('bench/12')).toBeUndefined();

    // The bound devices drive the real (simulated) instruments through their sessions.
    const session = (name: string) => (registry.get(name)!.state as GpibState).session;
    expect(
      await callCommand(dmm.deviceClass, 'measure_voltage_dc', session('bench/22')),
    ).toBeCloseTo(4.23451, 3);
    expect(
      await callCommand(
        registry.get('bench/23')!.deviceClass,
        'measure_voltage_dc',
        session('bench/23'),
      ),
    ).toBeCloseTo(4.23451, 3);
    expect(
      await callCommand(
        registry.get('bench/9.1')!.deviceClass,
        'measure_resistance',
        session('bench/9.1'),
      ),
    ).toBeCloseTo(998.765, 1);
  });

  it('a config class wins over the identity', async () => {
    const { manager, registry } = bench({ 'bench/16': 'HP34401A', 'bench/23': 'HP3478A' });
    await manager.connect('bench');
    await expect.poll(() => registry.get('bench/16')?.deviceClass.name).toBe('HP34401A');
    expect(registry.get('bench/16')!.info).toMatchObject({
      manufacturer: 'KEITHLEY INSTRUMENTS INC.',
      bound_by: 'config',
    });
  });

  it('a rescan that loses an instrument removes its device; forget removes them all', async () => {
    const { emulator, manager, registry } = bench();
    await manager.connect('bench');
    await expect.poll(() => registry.get('bench/5')?.deviceClass.name).toBe('HPE3631A');
    const before = registry.list().length;

    // Power the supply off: take it off the simulated bus.
    // (The bus has no detach; its slot list is the live array.)
    const slots = emulator.bus.devices() as unknown as Array<{ pad: number }>;
    slots.splice(
      slots.findIndex((s) => s.pad === 5),
      1,
    );
    await manager.scan('bench', true);
    await expect.poll(() => registry.get('bench/5')).toBeUndefined();
    expect(registry.list()).toHaveLength(before - 1);

    manager.registry.forget('bench');
    await expect.poll(() => registry.list()).toEqual([]);
  });

  it('a scan without *IDN? keeps the drivers an earlier scan bound', async () => {
    const { manager, registry } = bench();
    await manager.connect('bench');
    await expect.poll(() => registry.get('bench/22')?.deviceClass.name).toBe('HP34401A');
    const dmm = registry.get('bench/22');
    await manager.scan('bench', false);
    // Give the binder its turn, then check nothing moved.
    await new Promise((r) => setTimeout(r, 50));
    expect(registry.get('bench/22')).toBe(dmm);
    expect(registry.get('bench/22')!.info).toMatchObject({ bound_by: 'idn' });
  });

  it('binds what earlier scans found, and stops when unbound', async () => {
    const { manager, registry, log } = bench();
    await manager.connect('bench');
    await expect.poll(() => registry.list().length).toBe(5);
    // A second binder on a fresh registry sees the scan that already happened.
    const later = new DeviceRegistry();
    const unbind = bindGpibDevices({ manager, registry: later, overrides: {}, log });
    await expect.poll(() => later.list().length).toBe(5);
    unbind();
    manager.registry.forget('bench');
    await expect.poll(() => registry.list().length).toBe(0);
    expect(later.list()).toHaveLength(5);
  });

  it('logs an override naming an unknown class with the known ones, and an unknown bridge', () => {
    const { log } = bench({ 'bench/30': 'Fluke8846A', 'lab-b/4': 'HP3478A' });
    expect(log.lines.join('\n')).toMatch(
      /error GPIB: bench\/30 is configured as class "Fluke8846A", which no driver provides; known classes: HP34401A, HPE3631A, Keithley2000, HP3478A, TDS2024B/,
    );
    expect(log.lines.join('\n')).toMatch(
      /warn GPIB: lab-b\/4 names bridge "lab-b", which is not configured/,
    );
  });
});
