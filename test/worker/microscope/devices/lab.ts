import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReplyEnvelope } from '../../../../protocol/index.js';
import { ArtifactStore } from '../../../../worker/artifacts/artifact-store.js';
import { BlockingRules } from '../../../../worker/devices/blocking.js';
import { deviceModule } from '../../../../worker/devices/device-module.js';
import { DeviceRegistry } from '../../../../worker/devices/device-registry.js';
import type { MicroscopeRig } from '../../../../worker/microscope/devices/index.js';
import { createImaging, type ImagingConfig } from '../../../../worker/microscope/create-module.js';
import { createRuntime } from '../../../../worker/engine/runtime.js';
import { captureLog } from '../../../helpers/capture-log.js';

/** The config file's imaging section with its defaults (launcher/config/schema.ts), overridable. */
export function imagingConfig(over: Partial<ImagingConfig> = {}): ImagingConfig {
  return {
    microscope: 'simulated',
    seed: 1,
    parameters: [{ name: 'z', true_value: 3, lower: 0, upper: 10 }],
    blur_factor: 10,
    drift_factor: 10,
    poisson_noise_scale: 100,
    scan_jitter: 0,
    dwell_us: 0,
    line_scan_return_gaussian_fit: true,
    png_bit_depth: 8,
    thumbnails: false,
    payload_format: 'encoded_data',
    keep_last: 0,
    max_samples: 4096,
    scan_threads: 0,
    ...over,
  };
}

/** One progress report, as the events socket would publish it. */
export interface Progress {
  id: string;
  progress: number;
  total?: number;
  message?: string;
}

/**
 * A worker runtime in this process serving the simulated microscope both ways, as start.ts
 * will: the imaging module (EAA methods, autofocus, acquire_mosaic) and its devices through
 * the device module. Requests go through the real dispatcher: validation, resources, cancel.
 */
export function microscopeLab(
  o: { config?: Partial<ImagingConfig>; attributeTools?: boolean } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'labrelay-microscope-'));
  const store = new ArtifactStore(dir);
  const imaging = createImaging(imagingConfig(o.config), store, captureLog());
  const registry = new DeviceRegistry();
  registry.addAll(imaging.devices);
  const progress: Progress[] = [];
  const runtime = createRuntime({
    name: 'test',
    version: '0',
    eventsEndpoint: 'inproc://unused',
    queueTimeoutMs: 60_000,
    audit: null,
    replyCache: { entries: 1000, bytes: 64 << 20 },
    progress: (id, p, total, message) => void progress.push({ id, progress: p, total, message }),
    log: captureLog(),
    modules: [
      imaging.module,
      deviceModule({
        registry,
        rules: new BlockingRules(),
        attributeTools: o.attributeTools ?? false,
        artifacts: store,
        log: captureLog(),
      }),
    ],
  });
  runtime.refresh();
  let n = 0;
  const send = async (
    method: string,
    params: Record<string, unknown> = {},
    id = `r${++n}`,
  ): Promise<ReplyEnvelope> =>
    JSON.parse(
      String(await runtime.dispatcher.handle(Buffer.from(JSON.stringify({ id, method, params })))),
    );
  /** The result of a call that must succeed. */
  const ok = async (method: string, params: Record<string, unknown> = {}): Promise<any> => {
    const reply = await send(method, params);
    if (reply.status !== 'ok') throw new Error(`${method} failed (${reply.code}): ${reply.error}`);
    return reply.result;
  };
  /** The error of a call that must fail. */
  const fails = async (method: string, params: Record<string, unknown> = {}) => {
    const reply = await send(method, params);
    if (reply.status !== 'error') throw new Error(`${method} should have failed`);
    return reply;
  };
  return {
    dir,
    imaging,
    rig: imaging.devices[0].state as MicroscopeRig,
    runtime,
    send,
    ok,
    fails,
    progress,
    close: () => imaging.module.close?.(),
  };
}

export type MicroscopeLab = ReturnType<typeof microscopeLab>;

/** A float32 spectrum from an inline binary result. */
export function decodeSpectrum(result: { encoding: string; payload?: string }): Float32Array {
  if (result.encoding !== 'base64' || !result.payload)
    throw new Error('expected an inline payload');
  const bytes = Buffer.from(result.payload, 'base64');
  return new Float32Array(
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
  );
}

/** Mean of `data` over channels [from, to). */
export function meanOver(data: Float32Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += data[i];
  return sum / (to - from);
}
