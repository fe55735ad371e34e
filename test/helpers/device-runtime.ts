import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger, ReplyEnvelope } from '../../protocol/index.js';
import { ArtifactStore } from '../../worker/artifacts/artifact-store.js';
import { BlockingRules, type BlockingConfig } from '../../worker/devices/blocking.js';
import { deviceModule } from '../../worker/devices/device-module.js';
import type { DeviceRegistry } from '../../worker/devices/device-registry.js';
import { createRuntime } from '../../worker/engine/runtime.js';
import { captureLog } from './capture-log.js';

/**
 * A worker runtime serving a device registry's tools, without sockets: `send` goes through the
 * dispatcher exactly as a request from ZeroMQ does (validation, queues, BLOCKED, audit).
 */
export function deviceRuntime(o: {
  registry: DeviceRegistry;
  blocking?: Partial<BlockingConfig>;
  attributeTools?: boolean;
  log?: Logger;
}) {
  const log = o.log ?? captureLog();
  const runtime = createRuntime({
    name: 'test',
    version: '0',
    eventsEndpoint: 'inproc://unused',
    queueTimeoutMs: 10_000,
    audit: null,
    replyCache: { entries: 100, bytes: 1 << 20 },
    progress: () => {},
    log,
    modules: [
      deviceModule({
        registry: o.registry,
        rules: new BlockingRules(o.blocking),
        attributeTools: o.attributeTools ?? false,
        artifacts: new ArtifactStore(mkdtempSync(join(tmpdir(), 'labrelay-devices-'))),
        log,
      }),
    ],
  });
  let n = 0;
  const send = async (method: string, params: unknown = {}): Promise<ReplyEnvelope> =>
    JSON.parse(
      String(
        await runtime.dispatcher.handle(
          Buffer.from(JSON.stringify({ id: `r${++n}`, method, params })),
        ),
      ),
    );
  const tool = (name: string) => runtime.describe().methods.find((m) => m.name === name);
  return { runtime, send, tool };
}
