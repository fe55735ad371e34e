import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as z from 'zod';
import type { ReplyEnvelope } from '../../protocol/index.js';
import { ArtifactStore } from '../../worker/artifacts/artifact-store.js';
import { BlockingRules } from '../../worker/devices/blocking.js';
import { attribute, command, defineDeviceClass } from '../../worker/devices/device-class.js';
import { deviceModule } from '../../worker/devices/device-module.js';
import { DeviceRegistry } from '../../worker/devices/device-registry.js';
import { quantity } from '../../worker/devices/quantity.js';
import { AuditLog } from '../../worker/engine/audit-log.js';
import { createRuntime } from '../../worker/engine/runtime.js';
import { WireTap } from '../../worker/engine/wire-tap.js';
import { createSafety } from '../../worker/safety/index.js';
import { PolicySection, type PolicyConfig } from '../../worker/safety/policy-config.js';
import { captureLog } from './capture-log.js';

/**
 * A worker runtime in this process, without sockets, serving one in-memory supply behind the
 * safety policy: requests go through the dispatcher and the gate exactly as from ZeroMQ. For
 * the gate's tests and its benchmark (the driver costs nothing, so the gate is what is left).
 */
export interface BenchSupply {
  volts: number;
  writes: number;
}

export const BenchSupplyClass = defineDeviceClass<BenchSupply>({
  name: 'BenchSupply',
  doc: 'An in-memory supply for the safety gate tests and benchmark.',
  commands: {
    set_output: command({
      doc: 'Set the output voltage of one channel.',
      params: z.object({
        channel: z.enum(['A', 'B']).describe('Output.'),
        voltage: quantity({ doc: 'Output voltage', unit: 'V', min: 0, max: 30 }),
      }),
      result: z.object({ voltage: z.number() }),
      // Channel B stops at 10 V whatever it is told, as a supply in current limit would: what a
      // readback rule is for.
      run: ({ device }, p) => {
        device.state.volts = p.channel === 'B' ? Math.min(p.voltage, 10) : p.voltage;
        device.state.writes += 1;
        return { voltage: p.voltage };
      },
    }),
  },
  attributes: {
    voltage: attribute({
      doc: 'Control the output voltage.',
      type: quantity({ doc: 'Output voltage', unit: 'V', min: 0, max: 30 }),
      units: 'V',
      get: ({ device }) => device.state.volts,
      set: ({ device }, v) => {
        device.state.volts = v;
        device.state.writes += 1;
      },
    }),
  },
});

/** `policy`: a policy section (parsed), a ready config (tests may go below the schema's minimums), or null for no gate. */
export function safetyRuntime(o: {
  policy: unknown | PolicyConfig | null;
  audit?: string | null;
  attributeTools?: boolean;
}) {
  const log = captureLog();
  const registry = new DeviceRegistry();
  const state: BenchSupply = { volts: 0, writes: 0 };
  registry.add({
    name: 'psu',
    deviceClass: BenchSupplyClass,
    state,
    resource: 'bench',
    origin: 'bench',
  });
  const audit = o.audit ? new AuditLog(o.audit, false) : null;
  const modules = [
    deviceModule({
      registry,
      rules: new BlockingRules({}),
      attributeTools: o.attributeTools ?? false,
      artifacts: new ArtifactStore(mkdtempSync(join(tmpdir(), 'labrelay-safety-'))),
      log,
    }),
  ];
  const policy =
    o.policy === null ? null : isConfig(o.policy) ? o.policy : PolicySection.parse(o.policy);
  let rt: ReturnType<typeof createRuntime> | undefined;
  const safety = policy
    ? createSafety({
        policy,
        audit,
        events: () => null,
        tap: new WireTap(),
        targets: {
          abortAll: (reason) => rt?.dispatcher.abortAll(reason) ?? [],
          modules: () => rt?.modules ?? [],
        },
        log,
      })
    : null;
  if (safety) modules.unshift(safety.module);
  rt = createRuntime({
    name: 'safety-test',
    version: '0',
    eventsEndpoint: 'inproc://unused',
    queueTimeoutMs: 10_000,
    audit,
    replyCache: { entries: 0, bytes: 0 },
    progress: () => {},
    log,
    modules,
    ...(safety ? { gate: safety.gate } : {}),
  });
  const runtime = rt;
  let n = 0;
  const send = async (
    method: string,
    params: Record<string, unknown> = {},
  ): Promise<ReplyEnvelope> =>
    JSON.parse(
      String(
        await runtime.dispatcher.handle(
          Buffer.from(JSON.stringify({ id: `s${++n}`, method, params })),
        ),
      ),
    );
  return { runtime, safety, state, send, log, close: () => audit?.close() };
}

function isConfig(p: unknown): p is PolicyConfig {
  return (
    typeof p === 'object' &&
    p !== null &&
    'rules' in p &&
    'scpi' in p &&
    'writes' in p &&
    'approval_timeout_s' in p
  );
}
