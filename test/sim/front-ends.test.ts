import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { afterEach, describe, expect, it } from 'vitest';
import { startAr488Sim } from '../../worker/sim/ar488/start.js';
import { createHp34401a } from '../../worker/sim/instruments/hp-34401a.js';
import { SimTekScope } from '../../worker/sim/instruments/tek-scope.js';

/*
 * The emulator behind its real front ends:
 *
 *   test ──TCP 127.0.0.1:<port 0>──▶ tcp-server ──▶ Ar488Emulator (esp32: one client at a time)
 *   test ──serialport──▶ <dir>/ttyAR ══socat pty pair══ <dir>/ttyAR.sim ──serialport──▶ emulator
 */

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A TCP client that collects what it receives and notices when it is closed. */
async function client(
  port: number,
): Promise<{ socket: Socket; data: () => string; closed: () => boolean }> {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  let closed = false;
  socket.on('data', (d) => (received += d.toString('latin1')));
  socket.on('close', () => (closed = true));
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  cleanups.push(() => void socket.destroy());
  return { socket, data: () => received, closed: () => closed };
}

/** Wait until `check()` holds, polling every 5 ms, or fail after `ms`. */
async function until(check: () => boolean, ms = 2000, what = 'condition'): Promise<void> {
  const end = performance.now() + ms;
  while (!check()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

async function tcpSim(faults = {}) {
  const sim = await startAr488Sim({
    profile: 'esp32',
    instruments: [{ address: 22, device: createHp34401a() }],
    faults: { rebootMs: 20, ...faults },
    tcp: { host: '127.0.0.1', port: 0 },
  });
  cleanups.push(() => sim.close());
  return sim;
}

describe('TCP front end (DD-ESP32 connectWifi())', () => {
  it('reports the real port and answers commands', async () => {
    const sim = await tcpSim();
    expect(sim.tcp!.port).toBeGreaterThan(0);
    const a = await client(sim.tcp!.port);
    a.socket.write('++ver\r');
    await until(() => a.data().endsWith('\r\n'), 2000, 'reply');
    expect(a.data()).toBe('AR488 GPIB controller, ver. 0.49.14, 02/03/2021\r\n');
  });

  it('a second client is accepted and closed at once while the first is connected', async () => {
    const sim = await tcpSim();
    const a = await client(sim.tcp!.port);
    const b = await client(sim.tcp!.port);
    await until(b.closed, 2000, 'second client closed');
    expect(b.data()).toBe('');
    a.socket.write('++addr 22\r++addr\r');
    await until(() => a.data() === '22\r\n', 2000, 'first client still served');
    expect(a.closed()).toBe(false);
  });

  it('a client that vanished without a goodbye does not block the next one', async () => {
    const sim = await tcpSim();
    const a = await client(sim.tcp!.port);
    a.socket.resetAndDestroy();
    let c = await client(sim.tcp!.port);
    // The reset may reach the server just after the new SYN: retry like a driver would.
    for (let i = 0; i < 20 && (await sleep(20), c.closed()); i++) c = await client(sim.tcp!.port);
    c.socket.write('++ver\r');
    await until(() => c.data().includes('0.49.14'), 2000, 'reply to the new client');
  });

  it('++rst drops the link and loses unsaved settings; saved ones survive', async () => {
    const sim = await tcpSim();
    const a = await client(sim.tcp!.port);
    a.socket.write('++addr 9\r++savecfg\r++read_tmo_ms 77\r++rst\r');
    await until(a.closed, 2000, 'link drop');
    expect(sim.emulator.eepromWrites).toBe(1);
    await sleep(40);
    const b = await client(sim.tcp!.port);
    b.socket.write('++addr\r++read_tmo_ms\r');
    await until(() => b.data().split('\r\n').length === 3, 2000, 'replies after reboot');
    expect(b.data()).toBe('9\r\n1200\r\n');
  });

  it('dropAfterMs: the link drops by itself (brownout) and the adapter reboots', async () => {
    const sim = await tcpSim({ dropAfterMs: 60 });
    const a = await client(sim.tcp!.port);
    a.socket.write('++eos 3\r');
    await until(a.closed, 2000, 'brownout');
    await sleep(40);
    const b = await client(sim.tcp!.port);
    b.socket.write('++eos\r');
    await until(() => b.data().endsWith('\r\n'), 2000, 'reply');
    expect(b.data()).toBe('0\r\n');
  });
});

describe('pty front end (socat + serialport)', () => {
  function tempPath(): string {
    const dir = mkdtempSync(join(tmpdir(), 'labrelay-ar488-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return join(dir, 'ttyAR');
  }

  async function openHost(path: string): Promise<{ port: SerialPort; data: () => Buffer }> {
    const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
    cleanups.push(() => new Promise<void>((r) => (port.isOpen ? port.close(() => r()) : r())));
    const chunks: Buffer[] = [];
    port.on('data', (d: Buffer) => chunks.push(d));
    return { port, data: () => Buffer.concat(chunks) };
  }

  it('end to end: ++ commands, a query, a binary block read with ++read eoi; close removes the links', async () => {
    const path = tempPath();
    const sim = await startAr488Sim({
      profile: 'twilight-0.53.04',
      instruments: [
        { address: 22, device: createHp34401a() },
        { address: 1, device: new SimTekScope({ seed: 2 }) },
      ],
      pty: { path },
    });
    expect(sim.pty).toEqual({ path });
    expect(existsSync(path) && existsSync(`${path}.sim`)).toBe(true);
    const host = await openHost(path);
    host.port.write('++ver\r\n++addr 22\r\n*IDN?\r\n++read eoi\r\n');
    const expected =
      'AR488 GPIB controller, ver. 0.53.04, 13/04/2025\r\nHEWLETT-PACKARD,34401A,0,11-5-2\n';
    await until(() => host.data().length >= expected.length, 3000, 'replies over the pty');
    expect(host.data().toString('latin1')).toBe(expected);
    host.port.write('++addr 1\r\nCURV?\r\n++read eoi\r\n');
    await until(() => host.data().length >= expected.length + 2507, 3000, 'block over the pty');
    const block = host.data().subarray(expected.length);
    expect(block.subarray(0, 6).toString()).toBe('#42500');
    expect(block.length).toBe(2507);
    await sim.close();
    expect(existsSync(path)).toBe(false);
    expect(existsSync(`${path}.sim`)).toBe(false);
  });

  it('resetOnOpen: the first bytes after silence reset the adapter and are lost', async () => {
    const path = tempPath();
    const sim = await startAr488Sim({
      profile: 'esp32',
      instruments: [],
      faults: { resetOnOpen: { bootMs: 80, chatter: true } },
      pty: { path },
    });
    cleanups.push(() => sim.close());
    const host = await openHost(path);
    host.port.write('++ver\r');
    await sleep(120);
    const chatter = host.data().toString('latin1');
    expect(chatter).toContain('rst:0x1 (POWERON_RESET)');
    expect(chatter).not.toContain('0.49.14');
    host.port.write('++ver\r');
    await until(() => host.data().toString('latin1').includes('0.49.14'), 2000, 'reply after boot');
  });

  it('fails with a clear error when socat is missing', async () => {
    const saved = process.env.PATH;
    process.env.PATH = mkdtempSync(join(tmpdir(), 'no-socat-'));
    try {
      await expect(
        startAr488Sim({ profile: 'esp32', instruments: [], pty: { path: tempPath() } }),
      ).rejects.toThrow(/socat.*apt-get install socat/);
    } finally {
      rmSync(process.env.PATH, { recursive: true, force: true });
      process.env.PATH = saved;
    }
  });
});
