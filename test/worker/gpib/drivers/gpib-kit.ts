import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import * as z from 'zod';
import { ArtifactStore } from '../../../../worker/artifacts/artifact-store.js';
import type { DeviceClass } from '../../../../worker/devices/device-class.js';
import { GpibSession } from '../../../../worker/gpib/devices/gpib-session.js';
import type { GpibContext, GpibState } from '../../../../worker/gpib/drivers/scpi-driver.js';
import { Ar488Bridge } from '../../../../worker/gpib/ar488-bridge.js';
import { BusOperations } from '../../../../worker/gpib/bus-operations.js';
import type { OperationContext } from '../../../../worker/engine/method-module.js';
import { abortableSleep } from '../../../../worker/engine/operation.js';
import { Ar488Emulator } from '../../../../worker/sim/ar488/emulator.js';
import type { InstrumentSpecEntry } from '../../../../worker/sim/ar488/instrument-spec.js';
import { captureLog } from '../../../helpers/capture-log.js';
import { EmulatorLink } from '../../../helpers/emulator-link.js';
import { testBridgeConfig } from '../../../helpers/expected-protocol.js';

/** A minimal operation: never aborted, progress dropped. */
export function testOperation(method = 'test'): OperationContext {
  const controller = new AbortController();
  return {
    id: '00000000-test',
    method,
    signal: controller.signal,
    log: captureLog(),
    progress: () => {},
    checkpoint: () => {},
    sleep: (ms) => abortableSleep(ms, controller.signal),
  };
}

/** An artifact store in a fresh temporary folder. */
export function tempArtifacts(): ArtifactStore {
  return new ArtifactStore(mkdtempSync(join(tmpdir(), 'labrelay-gpib-')));
}

/**
 * Runs one command as the worker would: params validated (and defaulted) by the command's
 * schema first, then `run`, then the result checked against the declared result schema.
 */
export async function callCommand(
  deviceClass: DeviceClass<GpibState>,
  command: string,
  session: GpibSession,
  params: Record<string, unknown> = {},
  artifacts: ArtifactStore = tempArtifacts(),
): Promise<any> {
  const spec = deviceClass.commands[command];
  expect(spec, `${deviceClass.name} has a command ${command}`).toBeDefined();
  const parsed = spec.params.strict().parse(params);
  const result = await spec.run(deviceContext(deviceClass, session, artifacts), parsed);
  (spec.result as z.ZodType).parse(result);
  return result;
}

/** What a command or attribute of `deviceClass` runs with, for a device on `session`. */
export function deviceContext(
  deviceClass: DeviceClass<GpibState>,
  session: GpibSession,
  artifacts: ArtifactStore = tempArtifacts(),
): GpibContext {
  const device = {
    name: session.name,
    deviceClass,
    state: { session },
    resource: `gpib:${session.bridge}`,
    origin: `gpib:${session.bridge}`,
  };
  return { device, op: testOperation(), artifacts };
}

/** The zod issues a command's params schema raises, as messages with their paths. */
export function refusals(
  deviceClass: DeviceClass<GpibState>,
  command: string,
  params: Record<string, unknown>,
): Array<{ path: string; message: string }> {
  const result = deviceClass.commands[command].params.safeParse(params);
  return (result.error?.issues ?? []).map((i: z.core.$ZodIssue) => ({
    path: i.path.map(String).join('.'),
    message: i.message,
  }));
}

/**
 * The real AR488 driver against the emulated firmware and simulated instruments:
 *
 *   GpibSession ─▶ BusOperations ─▶ Ar488Bridge ──bytes──▶ Ar488Emulator ──GPIB──▶ sim instrument
 */
export async function emulatedBus(instruments: InstrumentSpecEntry[]) {
  const emulator = new Ar488Emulator({ profile: 'twilight-0.53.04', instruments });
  const bridge = new Ar488Bridge(
    testBridgeConfig({ name: 'bench', readTmoMs: 300, readTimeoutMs: 3000, linkSlackMs: 100 }),
    new EmulatorLink(emulator),
    captureLog(),
  );
  await bridge.connect();
  const bus = new BusOperations(bridge);
  return {
    emulator,
    bridge,
    bus,
    session: (primary: number, secondary?: number) =>
      new GpibSession(bus, 'bench', { primary, secondary }),
  };
}
