import { describe, expect, it } from 'vitest';
import { Ar488Bridge } from '../../../worker/gpib/ar488-bridge.js';
import { BusOperations } from '../../../worker/gpib/bus-operations.js';
import { BridgeInitError, ConnectionError, InstrumentError } from '../../../worker/gpib/errors.js';
import { captureLog } from '../../helpers/capture-log.js';
import {
  TL_053,
  expectedProtocol,
  initSteps,
  testBridgeConfig,
} from '../../helpers/expected-protocol.js';
import { MockLink } from '../../helpers/mock-link.js';

/*
 * Wire transcripts of the AR488 driver: what it sends (left), what the adapter answers (right).
 *
 *   driver                       adapter
 *   ++addr 22            ──▶
 *   MEAS:VOLT:DC?        ──▶
 *   ++read eoi           ──▶
 *                        ◀──     +4.23451000E+00\n   (possibly one byte at a time)
 */
describe('init', () => {
  it('puts the adapter in a known state, confirms ++ver, and never saves to EEPROM', async () => {
    const link = await expectedProtocol([], async () => {});
    expect(link.sent).toEqual(initSteps().map((s) => s.send));
    expect(link.sent.some((l) => /savecfg/i.test(l))).toBe(false);
    // Every line ends CR LF: the ESP32 fork ignores LF alone and executes on CR.
    for (const chunk of link.raw) expect(chunk.subarray(-2).toString()).toBe('\r\n');
  });

  it('retries ++ver while a board that reset on open is still booting', async () => {
    const config = testBridgeConfig();
    const link = new MockLink([{ send: '++ver' }, { send: '++ver' }, ...initSteps(TL_053, config)]);
    const bridge = new Ar488Bridge(config, link, captureLog());
    await bridge.connect();
    expect(bridge.firmware?.ar488Version).toBe('0.53.04');
    expect(link.remaining).toEqual([]);
  });

  it('skips a ++ver answer drowned in boot chatter and waits for a quiet one', async () => {
    const config = testBridgeConfig();
    const link = new MockLink([
      { send: '++ver', reply: 'ets Jun  8 2016 00:22:57\r\nrst:0x1 (POWERON_RESET),boot:0x13\r\n' },
      ...initSteps(TL_053, config),
    ]);
    const bridge = new Ar488Bridge(config, link, captureLog());
    await bridge.connect();
    expect(bridge.firmware?.version).toBe(TL_053);
  });

  it('fails with BridgeInitError saying what was sent and what came back', async () => {
    const link = new MockLink([]);
    const bridge = new Ar488Bridge(testBridgeConfig({ startupWindowMs: 600 }), link, captureLog());
    const error = await bridge.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BridgeInitError);
    expect((error as Error).message).toMatch(
      /bridge bench-t \(tcp mock:23\) did not answer \+\+ver within 600 ms \(startup_window_ms\); received nothing/,
    );
    expect(bridge.state).toBe('disconnected');
  });
});

describe('transactions', () => {
  it('queries with ++addr, the data line and ++read eoi, reassembling a fragmented reply', async () => {
    await expectedProtocol(
      [
        { send: '++addr 22' },
        { send: 'MEAS:VOLT:DC?' },
        { send: '++read eoi', reply: '+4.23451000E+00\n', fragment: 1 },
      ],
      async (bus) => {
        const reply = await bus.query(
          { primary: 22 },
          Buffer.from('MEAS:VOLT:DC?'),
          'MEAS:VOLT:DC?',
        );
        expect(reply.text).toBe('+4.23451000E+00');
        expect(reply.wire).toEqual(['++addr 22', 'MEAS:VOLT:DC?', '++read eoi']);
      },
    );
  });

  it('sends ++addr only when the address changes, with the secondary as 96–126', async () => {
    await expectedProtocol(
      [
        { send: '++addr 22' },
        { send: 'READ?' },
        { send: '++read eoi', reply: '1\n' },
        { send: 'READ?' },
        { send: '++read eoi', reply: '2\n' },
        { send: '++addr 5 97' },
        { send: 'OUTP ON' },
      ],
      async (bus) => {
        await bus.query({ primary: 22 }, Buffer.from('READ?'), 'READ?');
        await bus.query({ primary: 22 }, Buffer.from('READ?'), 'READ?');
        await bus.write({ primary: 5, secondary: 1 }, Buffer.from('OUTP ON'));
      },
    );
  });

  it('escapes ESC, CR, LF and + so every byte reaches the instrument', async () => {
    await expectedProtocol(
      [{ send: '++addr 9' }, { send: 'A\\x1b\\x1b\\x1b+\\x1b\\x0d\\x1b\\x0aB' }],
      async (bus) => {
        const wire = await bus.write(
          { primary: 9 },
          Buffer.from([0x41, 0x1b, 0x2b, 0x0d, 0x0a, 0x42]),
        );
        expect(wire[1]).toBe('A\\x1b\\x1b\\x1b+\\x1b\\x0d\\x1b\\x0aB');
      },
    );
  });

  it('reads a definite-length block whole although it holds CR and LF bytes', async () => {
    const data = Buffer.alloc(2500);
    for (let i = 0; i < data.length; i++) data[i] = i % 256;
    await expectedProtocol(
      [
        { send: '++addr 1' },
        { send: 'CURV?' },
        {
          send: '++read eoi',
          reply: Buffer.concat([Buffer.from('#42500'), data, Buffer.from('\n')]),
          fragment: 64,
        },
      ],
      async (bus) => {
        const reply = await bus.query({ primary: 1 }, Buffer.from('CURV?'), 'CURV?');
        expect(reply.block).toEqual({ dataStart: 6, length: 2500 });
        expect(reply.bytes.subarray(6, 2506).equals(data)).toBe(true);
      },
    );
  });

  it('reports a block that stops short of its announced length', async () => {
    await expectedProtocol(
      [
        { send: '++addr 1' },
        { send: 'CURV?' },
        { send: '++read eoi', reply: Buffer.concat([Buffer.from('#42500'), Buffer.alloc(100, 7)]) },
      ],
      async (bus) => {
        const error = await bus
          .query({ primary: 1 }, Buffer.from('CURV?'), 'CURV?')
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(InstrumentError);
        expect((error as InstrumentError).code).toBe('DEVICE_ERROR');
        expect((error as Error).message).toMatch(
          /announced a 2500-byte block in its reply to CURV\? but only 100 bytes arrived/,
        );
      },
    );
  });

  it('reports a silent instrument as TIMEOUT naming bridge, address, command and limit', async () => {
    await expectedProtocol(
      [{ send: '++addr 5' }, { send: 'MEAS:VOLT:DC?' }, { send: '++read eoi' }],
      async (bus) => {
        const error = await bus
          .query({ primary: 5 }, Buffer.from('MEAS:VOLT:DC?'), 'MEAS:VOLT:DC?')
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(InstrumentError);
        expect((error as InstrumentError).code).toBe('TIMEOUT');
        expect((error as Error).message).toBe(
          'instrument at address 5 on bench-t did not answer MEAS:VOLT:DC? within 100 ms (++read_tmo_ms; raise read_tmo_ms for slow instruments)',
        );
        expect((error as InstrumentError).data).toMatchObject({
          bridge: 'bench-t',
          address: 5,
          limit: { read_tmo_ms: 100 },
        });
      },
    );
  });

  it('discards stale bytes before a transaction so they cannot prefix its reply', async () => {
    await expectedProtocol(
      [
        { send: '++addr 22' },
        { send: '*IDN?' },
        { send: '++read eoi', reply: 'HEWLETT-PACKARD,34401A,0,11-5-2\n' },
      ],
      async (bus, bridge, link) => {
        link.emit('\x00\x00late reply\n');
        await new Promise((r) => setTimeout(r, 10));
        const reply = await bus.query({ primary: 22 }, Buffer.from('*IDN?'), '*IDN?');
        expect(reply.text).toBe('HEWLETT-PACKARD,34401A,0,11-5-2');
        expect(bridge.stats.staleBytesDiscarded).toBe(13);
      },
    );
  });

  it('serial-polls as ++addr then ++spoll; no reply or an empty line means no response', async () => {
    await expectedProtocol(
      [
        { send: '++addr 22' },
        { send: '++spoll', reply: '80\r\n' },
        { send: '++addr 7' },
        { send: '++spoll', reply: '\r\n' },
        { send: '++addr 9' },
        { send: '++spoll' },
      ],
      async (bus) => {
        expect((await bus.serialPoll({ primary: 22 })).status).toBe(80);
        expect((await bus.serialPoll({ primary: 7 })).status).toBeNull();
        expect((await bus.serialPoll({ primary: 9 })).status).toBeNull();
      },
    );
  });
});

describe('finding listeners', () => {
  it('uses ++fndl where it exists', async () => {
    await expectedProtocol([{ send: '++fndl all', reply: '3,5:97,22\r\n' }], async (bus) => {
      const found = await bus.findListeners();
      expect(found).toMatchObject({
        method: 'fndl',
        listeners: [{ address: 3 }, { address: 5, secondary: 1 }, { address: 22 }],
      });
    });
  });

  it('falls back to ++findlstn, then remembers it', async () => {
    await expectedProtocol(
      [
        { send: '++fndl all', reply: 'Unrecognized command\r\n' },
        { send: '++read_tmo_ms 50' },
        { send: '++findlstn', reply: '5 22 \r\n' },
        { send: '++read_tmo_ms 100' },
        { send: '++read_tmo_ms 50' },
        { send: '++findlstn', reply: '5 \r\n' },
        { send: '++read_tmo_ms 100' },
      ],
      async (bus) => {
        expect(await bus.findListeners()).toMatchObject({
          method: 'findlstn',
          listeners: [{ address: 5 }, { address: 22 }],
        });
        expect(await bus.findListeners()).toMatchObject({
          method: 'findlstn',
          listeners: [{ address: 5 }],
        });
      },
    );
  });

  it('probes every address with a serial poll when the firmware has neither', async () => {
    const probe = [];
    for (let a = 1; a <= 30; a++) {
      probe.push(
        { send: `++addr ${a}` },
        { send: '++spoll', ...(a === 4 || a === 17 ? { reply: '0\r\n' } : {}) },
      );
    }
    await expectedProtocol(
      [
        { send: '++fndl all', reply: 'Unrecognized command\r\n' },
        { send: '++read_tmo_ms 50' },
        { send: '++findlstn', reply: 'Unrecognized command\r\n' },
        { send: '++read_tmo_ms 100' },
        { send: '++read_tmo_ms 50' },
        ...probe,
        { send: '++read_tmo_ms 100' },
      ],
      async (bus) => {
        expect(await bus.findListeners()).toMatchObject({
          method: 'probe',
          listeners: [{ address: 4 }, { address: 17 }],
        });
      },
      { linkSlackMs: 20 },
    );
  });
});

describe('a dropped link', () => {
  it('fails the transaction in flight with outcome unknown, then reconnects and re-runs init', async () => {
    const config = testBridgeConfig();
    const link = new MockLink([
      ...initSteps(TL_053, config),
      { send: '++addr 22' },
      { send: 'READ?' },
      { send: '++read eoi' },
    ]);
    const bridge = new Ar488Bridge(config, link, captureLog());
    await bridge.connect();
    const bus = new BusOperations(bridge);
    const pending = bus
      .query({ primary: 22 }, Buffer.from('READ?'), 'READ?')
      .catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 20));
    link.expect(
      ...initSteps(TL_053, config),
      { send: '++addr 22' },
      { send: 'READ?' },
      { send: '++read eoi', reply: '42\n' },
    );
    link.drop();
    const error = await pending;
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(
      /the link to bridge bench-t \(tcp mock:23\) dropped during READ\?; its outcome is unknown/,
    );
    // The next call waits for the reconnect; ++addr is sent again because the adapter lost it.
    const reply = await bus.query({ primary: 22 }, Buffer.from('READ?'), 'READ?');
    expect(reply.text).toBe('42');
    expect(link.opens).toBe(2);
    expect(bridge.stats.reconnects).toBe(1);
    expect(link.unexpected).toEqual([]);
  });
});
