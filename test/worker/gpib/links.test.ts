import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Ar488Bridge } from '../../../worker/gpib/ar488-bridge.js';
import { BusOperations } from '../../../worker/gpib/bus-operations.js';
import { ConnectionError } from '../../../worker/gpib/errors.js';
import { SerialLink } from '../../../worker/gpib/links/serial-link.js';
import { TcpLink } from '../../../worker/gpib/links/tcp-link.js';
import { parseInstrumentSpec } from '../../../worker/sim/ar488/instrument-spec.js';
import { startAr488Sim } from '../../../worker/sim/ar488/start.js';
import { captureLog } from '../../helpers/capture-log.js';
import { testBridgeConfig } from '../../helpers/expected-protocol.js';
import { freePorts } from '../../helpers/ports.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A socat pseudo-terminal pair; socat is required (CI installs it). */
async function ptyPair(): Promise<{ a: string; b: string; socat: ChildProcess }> {
  const dir = mkdtempSync(join(tmpdir(), 'labrelay-link-'));
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  const socat = spawn('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], {
    stdio: 'ignore',
  });
  cleanups.push(() => socat.kill());
  for (let i = 0; i < 100 && !(existsSync(a) && existsSync(b)); i++)
    await new Promise((r) => setTimeout(r, 20));
  return { a, b, socat };
}

describe('SerialLink', () => {
  it('names the port and the likely cause when the port does not exist', async () => {
    const link = new SerialLink({ path: '/dev/ttyUSB-labrelay-missing', baudRate: 115200 });
    const error = await link.open().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(
      /^cannot open serial \/dev\/ttyUSB-labrelay-missing @115200: .*No such file or directory.*is the adapter plugged in/,
    );
  });

  it('refuses a port another program holds, saying so', async () => {
    const { a } = await ptyPair();
    const first = new SerialLink({ path: a, baudRate: 115200 });
    await first.open();
    cleanups.push(() => first.close());
    const error = await new SerialLink({ path: a, baudRate: 115200 })
      .open()
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /cannot open serial .* another program has the port open/,
    );
  });

  it('carries bytes both ways over a real pseudo-terminal', async () => {
    const { a, b } = await ptyPair();
    const host = new SerialLink({ path: a, baudRate: 115200 });
    const far = new SerialLink({ path: b, baudRate: 115200 });
    await host.open();
    await far.open();
    cleanups.push(
      () => host.close(),
      () => far.close(),
    );
    const got: Buffer[] = [];
    far.onData((bytes) => got.push(bytes));
    await host.write(Buffer.from([0, 1, 0x0a, 0x0d, 0xff]));
    await expect.poll(() => Buffer.concat(got).length).toBe(5);
    expect([...Buffer.concat(got)]).toEqual([0, 1, 0x0a, 0x0d, 0xff]);
  });
});

describe('TcpLink', () => {
  it('names host and port when the connection is refused', async () => {
    const [port] = await freePorts(1);
    const error = await new TcpLink({ host: '127.0.0.1', port, connectTimeoutMs: 1000 })
      .open()
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      new RegExp(`^cannot connect to tcp 127\\.0\\.0\\.1:${port}: connect ECONNREFUSED`),
    );
  });

  it('notices an ESP32 that rebooted, reconnects with back-off and re-applies the init sequence', async () => {
    const sim = await startAr488Sim({
      profile: 'esp32',
      instruments: parseInstrumentSpec('22=hp34401a'),
      faults: { rebootMs: 300 },
      tcp: { host: '127.0.0.1', port: 0 },
    });
    cleanups.push(() => sim.close());
    const config = testBridgeConfig({ transport: { kind: 'tcp', ...sim.tcp! }, readTmoMs: 300 });
    const link = new TcpLink({ host: sim.tcp!.host, port: sim.tcp!.port, connectTimeoutMs: 1000 });
    const bridge = new Ar488Bridge(config, link, captureLog());
    cleanups.push(() => bridge.disconnect());
    await bridge.connect();
    sim.emulator.reboot();
    await expect.poll(() => bridge.stats.reconnects, { timeout: 8000 }).toBe(1);
    expect(sim.emulator.config.rtmo).toBe(300);
    const reply = await new BusOperations(bridge).query(
      { primary: 22 },
      Buffer.from('*IDN?'),
      '*IDN?',
    );
    expect(reply.text).toMatch(/34401A/);
  });
});
