import { afterEach, describe, expect, it } from 'vitest';
import { Ar488Bridge } from '../../../worker/gpib/ar488-bridge.js';
import type { BridgeConfig } from '../../../worker/gpib/bridge-config.js';
import { BusOperations } from '../../../worker/gpib/bus-operations.js';
import { Ar488Emulator, type FirmwareProfileName } from '../../../worker/sim/ar488/emulator.js';
import type { FaultOptions } from '../../../worker/sim/ar488/faults.js';
import { parseInstrumentSpec } from '../../../worker/sim/ar488/instrument-spec.js';
import { captureLog } from '../../helpers/capture-log.js';
import { EmulatorLink } from '../../helpers/emulator-link.js';
import { testBridgeConfig } from '../../helpers/expected-protocol.js';

/*
 * The real driver against the emulated firmware, per profile:
 *
 *   Ar488Bridge ──bytes──▶ Ar488Emulator (profile) ──GPIB──▶ simulated instruments
 *               ◀──bytes──
 */
const INSTRUMENTS = '22=hp34401a,5=hp-e3631a,1=tek-scope,23=hp3478a';
const bridges: Ar488Bridge[] = [];
afterEach(async () => {
  for (const b of bridges.splice(0)) await b.disconnect();
});

async function setUp(
  profile: FirmwareProfileName,
  options: {
    faults?: Partial<FaultOptions>;
    config?: Partial<BridgeConfig>;
    instruments?: string;
  } = {},
) {
  const emulator = new Ar488Emulator({
    profile,
    instruments: parseInstrumentSpec(options.instruments ?? INSTRUMENTS),
    faults: options.faults,
  });
  const bridge = new Ar488Bridge(
    testBridgeConfig({ readTmoMs: 300, readTimeoutMs: 3000, linkSlackMs: 100, ...options.config }),
    new EmulatorLink(emulator),
    captureLog(),
  );
  bridges.push(bridge);
  await bridge.connect();
  return { emulator, bridge, bus: new BusOperations(bridge) };
}

const executed = (emulator: Ar488Emulator, from = 0) => emulator.log.slice(from).map((e) => e.text);

describe.each([
  ['twilight-0.53.04', 'fndl'],
  ['twilight-0.51.29', 'probe'],
  ['esp32', 'findlstn'],
  ['prologix', 'probe'],
] as const)('firmware %s', (profile, search) => {
  it('connects, scans, identifies, queries, polls and reads a binary block', async () => {
    const { emulator, bridge, bus } = await setUp(profile);
    expect(bridge.state).toBe('connected');
    // The adapter ran the init sequence and answers *IDN? never on an instrument's behalf.
    if (profile !== 'prologix') expect(emulator.config).toMatchObject({ idn: 0 });
    expect(emulator.config).toMatchObject({
      eoi: true,
      amode: 0,
      eotEnable: false,
      rtmo: 300,
    });

    const found = await bus.findListeners();
    expect(found.method).toBe(search);
    expect(found.listeners.map((l) => l.address)).toEqual([1, 5, 22, 23]);

    const dmm = await bus.identify({ primary: 22 });
    expect(dmm.identity).toMatchObject({ manufacturer: 'HEWLETT-PACKARD', model: '34401A' });
    expect((await bus.identify({ primary: 23 })).identity).toBeNull();

    const mark = emulator.log.length;
    const reading = await bus.query({ primary: 22 }, Buffer.from('MEAS:VOLT:DC?'), 'MEAS:VOLT:DC?');
    expect(reading.text).toMatch(/^[+-]\d\.\d{8}E[+-]\d{2}$/);
    // What the driver sent is exactly what the adapter executed.
    expect(executed(emulator, mark)).toEqual(reading.wire);

    const poll = await bus.serialPoll({ primary: 22 });
    expect(poll.status).not.toBeNull();

    const curve = await bus.query({ primary: 1 }, Buffer.from('CURV?'), 'CURV?');
    expect(curve.block?.length).toBe(2500);
    const data = curve.bytes.subarray(curve.block!.dataStart, curve.block!.dataStart + 2500);
    expect(data.includes(0x0a) && data.includes(0x0d)).toBe(true);

    // Never ++savecfg: the EEPROM was not written once.
    expect(emulator.eepromWrites).toBe(0);
    // Only genuine Prologix firmware gets `++savecfg 0`: there it stops auto-saving to EEPROM.
    expect(executed(emulator).filter((l) => /savecfg/i.test(l))).toEqual(
      profile === 'prologix' ? ['++savecfg 0'] : [],
    );
  });
});

describe('field failures (ar488-gpib.md §4)', () => {
  it('1: an instrument slower than ++read_tmo_ms gives a TIMEOUT naming the limit; a larger one fixes it', async () => {
    const { bridge, bus } = await setUp('twilight-0.53.04', {
      faults: { instrumentDelayMs: { 22: 600 } },
    });
    const error = await bus
      .query({ primary: 22 }, Buffer.from('MEAS:VOLT:DC?'), 'MEAS:VOLT:DC?')
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /address 22 on bench-t did not answer MEAS:VOLT:DC\? within 300 ms \(\+\+read_tmo_ms/,
    );
    bridge.config = { ...bridge.config, readTmoMs: 1500 };
    await bridge.applySettings({ readTmoMs: true });
    const late = await bus.query({ primary: 22 }, Buffer.from('MEAS:VOLT:DC?'), 'MEAS:VOLT:DC?');
    expect(late.text).toMatch(/E[+-]\d{2}$/);
  });

  it('3/9: all 256 byte values reach the instrument intact through escaped writes', async () => {
    const { emulator, bus } = await setUp('twilight-0.53.04', { config: { eos: 3 } });
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const mark = emulator.log.length;
    // 64-byte messages: Twilight's 128-byte parse buffer would split longer lines into chunks.
    for (let i = 0; i < 256; i += 64) await bus.write({ primary: 9 }, all.subarray(i, i + 64));
    await emulator.idle();
    const data = emulator.log
      .slice(mark)
      .filter((e) => e.kind === 'data')
      .map((e) => e.bytes);
    expect(Buffer.concat(data).equals(all)).toBe(true);
  });

  it('the ESP32 fork cannot carry LF in data: the driver refuses instead of corrupting it', async () => {
    const { bus } = await setUp('esp32', { config: { firmware: 'esp32' } });
    const error = await bus
      .write({ primary: 9 }, Buffer.from([0x41, 0x0a, 0x42]), 'the upload')
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /ESP32 AR488 firmware, which drops byte 0x0A \(LF\).*the upload holds LF at offset 1/,
    );
  });

  it('7: a reply delivered one byte at a time is reassembled', async () => {
    const { bus } = await setUp('esp32', { faults: { byteAtATime: true } });
    const reply = await bus.query({ primary: 22 }, Buffer.from('*IDN?'), '*IDN?');
    expect(reply.text).toMatch(/^HEWLETT-PACKARD,34401A,/);
  });

  it('8: stale bytes after a reply never prefix the next one', async () => {
    const { bridge, bus } = await setUp('twilight-0.53.04', { faults: { staleBytes: '\x00' } });
    const first = await bus.query({ primary: 22 }, Buffer.from('*IDN?'), '*IDN?');
    await new Promise((r) => setTimeout(r, 50));
    const second = await bus.query({ primary: 22 }, Buffer.from('*IDN?'), '*IDN?');
    expect(second.text).toBe(first.text);
    expect(bridge.stats.staleBytesDiscarded).toBeGreaterThan(0);
  });

  it('13: a board that resets on open and prints boot chatter is brought up anyway', async () => {
    const { bridge, emulator } = await setUp('esp32', {
      faults: { resetOnOpen: { bootMs: 700, chatter: true } },
      config: { startupWindowMs: 4000 },
    });
    expect(bridge.firmware?.version).toMatch(/0\.49\.14/);
    expect(emulator.config.rtmo).toBe(300);
  });

  it('14: after a brown-out reboot the driver reconnects and re-applies its settings', async () => {
    const { emulator, bridge, bus } = await setUp('esp32', { faults: { rebootMs: 100 } });
    emulator.reboot();
    await expect.poll(() => bridge.stats.reconnects, { timeout: 5000 }).toBe(1);
    // The reboot lost the unsaved ++read_tmo_ms; the re-init restored it.
    expect(emulator.config.rtmo).toBe(300);
    expect((await bus.query({ primary: 22 }, Buffer.from('*IDN?'), '*IDN?')).text).toMatch(
      /34401A/,
    );
  });

  it('5: serial poll works on the ESP32 fork for two-digit addresses (++addr, then ++spoll)', async () => {
    const { emulator, bus } = await setUp('esp32');
    const mark = emulator.log.length;
    expect((await bus.serialPoll({ primary: 22 })).status).not.toBeNull();
    expect(executed(emulator, mark)).toEqual(['++addr 22', '++spoll']);
  });

  it('12: a custom ++id verstr is accepted as the version', async () => {
    const emulator = new Ar488Emulator({
      profile: 'twilight-0.53.04',
      instruments: parseInstrumentSpec('22=hp34401a'),
    });
    emulator.receive(Buffer.from('++id verstr Bench bridge 7\r\n'));
    await emulator.idle();
    const bridge = new Ar488Bridge(
      testBridgeConfig({ readTmoMs: 300 }),
      new EmulatorLink(emulator),
      captureLog(),
    );
    bridges.push(bridge);
    await bridge.connect();
    expect(bridge.firmware).toMatchObject({ version: 'Bench bridge 7', family: 'unknown' });
  });
});

describe('more field failures', () => {
  it('24: a message longer than the firmware line buffer is refused instead of split in two', async () => {
    const { emulator, bus } = await setUp('twilight-0.53.04');
    const mark = emulator.log.length;
    const error = await bus
      .write({ primary: 22 }, Buffer.alloc(200, 0x41), 'DISP:TEXT …')
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /DISP:TEXT … is 200 bytes; bridge bench-t .* buffers 128-byte lines/,
    );
    expect(emulator.log.length).toBe(mark);
  });

  it('6: paced by inter_command_delay_ms, back-to-back writes survive a 64-byte UART buffer on a real-speed wire', async () => {
    const { emulator, bus } = await setUp('twilight-0.53.04', {
      faults: { rxBufferBytes: 64, baud: 115_200 },
      config: { interCommandDelayMs: 10 },
    });
    const mark = emulator.log.length;
    const commands = Array.from({ length: 10 }, (_, i) => `DISP:TEXT "MESSAGE NUMBER ${i} OF TEN"`);
    for (const c of commands) await bus.write({ primary: 22 }, Buffer.from(c));
    expect((await bus.query({ primary: 22 }, Buffer.from('*IDN?'), '*IDN?')).text).toMatch(
      /34401A/,
    );
    const data = emulator.log
      .slice(mark)
      .filter((e) => e.kind === 'data')
      .map((e) => e.text);
    expect(data).toEqual([...commands, '*IDN?']);
    expect(emulator.droppedRxBytes).toBe(0);
  });
});
