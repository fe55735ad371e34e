import { afterEach, describe, expect, it } from 'vitest';
import { Ar488Emulator } from '../../worker/sim/ar488/emulator.js';
import type { FaultOptions } from '../../worker/sim/ar488/faults.js';
import { escapeData } from '../../worker/sim/ar488/line-parser.js';
import type { FirmwareProfileName } from '../../worker/sim/ar488/profiles.js';
import type { SimGpibDevice } from '../../worker/sim/gpib-bus.js';
import { createHp34401a } from '../../worker/sim/instruments/hp-34401a.js';
import { createHpE3631a } from '../../worker/sim/instruments/hp-e3631a.js';
import { Ieee488Device } from '../../worker/sim/instruments/ieee488-device.js';
import { SimTekScope } from '../../worker/sim/instruments/tek-scope.js';

/*
 * Wire transcripts against the emulated adapter: bytes in → bytes out, per firmware profile.
 *
 *   host ──"++addr 22\r\n*IDN?\r\n++read eoi\r\n"──▶ AR488 ──LAD 22, data, TAD 22──▶ 34401A
 *   host ◀──────────"HEWLETT-PACKARD,34401A,0,11-5-2\n"────── AR488 ◀─────── bytes + EOI
 */

const emulators: Ar488Emulator[] = [];
afterEach(() => {
  for (const e of emulators.splice(0)) e.close();
});

interface Harness {
  emu: Ar488Emulator;
  /** Send text or bytes as the host would. */
  send(input: string | Buffer): void;
  /** Send, wait until the adapter is idle, return everything it wrote meanwhile. */
  run(input: string | Buffer): Promise<string>;
  /** Output so far (and clear it). */
  take(): Buffer;
  /** Individual output writes, as the link delivered them. */
  writes: Buffer[];
}

function harness(
  profile: FirmwareProfileName,
  instruments: Array<{ address: number; secondary?: number; device: SimGpibDevice }> = [
    { address: 22, device: createHp34401a() },
  ],
  faults: Partial<FaultOptions> = {},
): Harness {
  const emu = new Ar488Emulator({ profile, instruments, faults });
  emulators.push(emu);
  let out: Buffer[] = [];
  const writes: Buffer[] = [];
  emu.onOutput((b) => {
    out.push(b);
    writes.push(b);
  });
  const take = () => {
    const b = Buffer.concat(out);
    out = [];
    return b;
  };
  const send = (input: string | Buffer) =>
    emu.receive(typeof input === 'string' ? Buffer.from(input, 'latin1') : input);
  return {
    emu,
    send,
    take,
    writes,
    run: async (input) => {
      take();
      send(input);
      await new Promise((r) => setTimeout(r, 1));
      await emu.idle();
      return take().toString('latin1');
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A listener that records what it receives, with END flags, and never talks. */
class Recorder extends Ieee488Device {
  readonly chunks: Array<{ data: Buffer; end: boolean }> = [];
  lateEoiPulses = 0;
  constructor() {
    super({ idn: 'REC' });
  }
  override listen(data: Buffer, end: boolean): void {
    this.chunks.push({ data: Buffer.from(data), end });
    super.listen(data, end);
  }
  override lateEoi(): void {
    this.lateEoiPulses++;
  }
  get bytes(): Buffer {
    return Buffer.concat(this.chunks.map((c) => c.data));
  }
}

describe('version and identity per profile', () => {
  it.each([
    ['twilight-0.51.29', 'AR488 GPIB controller, ver. 0.51.29, 18/03/2024'],
    ['twilight-0.53.04', 'AR488 GPIB controller, ver. 0.53.04, 13/04/2025'],
    ['esp32', 'AR488 GPIB controller, ver. 0.49.14, 02/03/2021'],
    ['prologix', 'Prologix GPIB-USB Controller version 6.107'],
  ] as const)('%s ++ver', async (profile, version) => {
    const h = harness(profile);
    expect(await h.run('++ver\r')).toBe(`${version}\r\n`);
  });

  it('++id verstr replaces ++ver, but not ++ver real, and echoes the string (TL)', async () => {
    const h = harness('twilight-0.53.04');
    expect(await h.run('++id verstr GPIB-USB version 6.1\r\n')).toBe('GPIB-USB version 6.1\r\n');
    expect(await h.run('++ver\r\n')).toBe('GPIB-USB version 6.1\r\n');
    expect(await h.run('++ver real\r\n')).toBe(
      'AR488 GPIB controller, ver. 0.53.04, 13/04/2025\r\n',
    );
    expect(await h.run('++id serial 42\r\n++id serial\r\n')).toBe('000000042\r\n');
  });

  it('++setvstr is mangled on TL but works on DD', async () => {
    expect(await harness('twilight-0.51.29').run('++setvstr X\r\n')).toBe(
      'Unrecognized command\r\n',
    );
    const dd = harness('esp32');
    expect(await dd.run('++setvstr MyBridge\r')).toBe('MyBridge\r\n');
    expect(await dd.run('++ver\r')).toBe('MyBridge\r\n');
  });

  it('++idn 1/2 answers *idn? itself and sends nothing to the bus', async () => {
    const rec = new Recorder();
    const h = harness('twilight-0.51.29', [{ address: 5, device: rec }]);
    await h.run('++addr 5\r\n++id name bench-a\r\n++id serial 1234\r\n');
    expect(await h.run('++idn 1\r\n*IDN?\r\n')).toBe('bench-a\r\n');
    expect(await h.run('++idn 2\r\n*idn?\r\n')).toBe('bench-a-1234\r\n');
    expect(rec.chunks).toHaveLength(0);
    expect(h.emu.log.filter((l) => l.kind === 'data').map((l) => l.text)).toEqual([
      '*IDN?',
      '*idn?',
    ]);
  });
});

describe('line parsing (§1.2)', () => {
  it('CR or LF ends a line on TL and Prologix; tokens are case-insensitive', async () => {
    for (const profile of ['twilight-0.51.29', 'twilight-0.53.04', 'prologix'] as const) {
      const h = harness(profile);
      expect(await h.run('++ADDR 7\n++Addr\n')).toBe('7\r\n');
      expect(await h.run('++eos 2\r++eos\r')).toBe('2\r\n');
      // CR LF: the LF is an empty line and is ignored.
      expect(await h.run('++eoi 1\r\n++eoi\r\n')).toBe('1\r\n');
    }
  });

  it('esp32: LF-only lines never execute; CR does; BS deletes', async () => {
    const h = harness('esp32');
    // pyvisa-py / pymeasure style: LF-terminated lines are buffered, never run (§4 row 16).
    expect(await h.run('++ver\n++ver\n')).toBe('');
    expect(h.emu.log).toHaveLength(0);
    // The buffered text and the next CR make one (bad) command line: `++ver++ver`.
    expect(await h.run('\r')).toBe('Unrecognized command\r\n');
    expect(await h.run('++ver\r')).toBe('AR488 GPIB controller, ver. 0.49.14, 02/03/2021\r\n');
    expect(await h.run('++addx\br 9\r++addr\r')).toBe('9\r\n');
  });

  it('escaped + at the start makes the line data; elsewhere it is harmless', async () => {
    const rec = new Recorder();
    const h = harness('twilight-0.53.04', [{ address: 5, device: rec }]);
    await h.run('++addr 5\r\n++eos 2\r\n');
    await h.run('\x1b++ver\r\n');
    await h.run('+\x1b+ver\r\n');
    await h.run('++\r\n');
    expect(rec.messages.map((m) => m.toString())).toEqual(['++ver', '++ver', '++']);
  });

  it('unknown commands and wrong-mode commands say Unrecognized command', async () => {
    const h = harness('twilight-0.51.29');
    expect(await h.run('++bogus 1\r\n')).toBe('Unrecognized command\r\n');
    expect(await h.run('++status 5\r\n')).toBe('Unrecognized command\r\n'); // device-mode only
    expect(await h.run('++fndl all\r\n')).toBe('Unrecognized command\r\n'); // TL-0.53 only
    expect(await harness('twilight-0.53.04').run('++findlstn\r\n')).toBe(
      'Unrecognized command\r\n',
    );
    expect(await harness('esp32').run('++fndl all\r')).toBe('Unrecognized command\r\n');
  });

  it('TL-0.53 error strings vs atoi() elsewhere', async () => {
    const tl53 = harness('twilight-0.53.04');
    expect(await tl53.run('++eos 9\r\n')).toBe('Invalid parameter\r\n');
    expect(await tl53.run('++eos x\r\n++eos\r\n')).toBe('0\r\n'); // silent, unchanged
    expect(await tl53.run('++fndl\r\n')).toBe('Missing parameter\r\n');
    expect(await tl53.run('++addr 0\r\n')).toBe('Invalid parameter\r\n');
    const tl51 = harness('twilight-0.51.29');
    expect(await tl51.run('++eos 2\r\n++eos 9\r\n')).toBe('Unrecognized command\r\n');
    expect(await tl51.run('++eos x\r\n++eos\r\n')).toBe('0\r\n'); // atoi("x") = 0: silently set
    expect(await tl51.run('++addr 0\r\n')).toBe('Unrecognized command\r\n');
  });

  it('buffer overflow: a long ++ command is discarded, long data is sent in chunks', async () => {
    const rec = new Recorder();
    const h = harness('twilight-0.51.29', [{ address: 5, device: rec }]);
    await h.run('++addr 5\r\n');
    expect(await h.run(`++ver${'x'.repeat(200)}\r\n`)).toBe('');
    // The first 128 bytes are dropped; what follows is just another (data) line.
    expect(h.emu.log.map((l) => l.text)).toEqual(['++addr 5', 'x'.repeat(77)]);
    rec.messages.length = 0;
    await h.run(`${'A'.repeat(130)}\r\n`);
    // PBSIZE 128: the first 128 bytes go out as their own CR LF-terminated message.
    expect(rec.messages.map((m) => m.length)).toEqual([129, 3]);
  });

  it('++! is swallowed', async () => {
    const h = harness('twilight-0.51.29');
    expect(await h.run('++!\r\n')).toBe('');
  });

  it('++help line format per profile', async () => {
    expect(await harness('twilight-0.51.29').run('++help addr\r\n')).toBe(
      '++addr: [P] Display/set device address\n',
    );
    expect(await harness('esp32').run('++help addr\r')).toBe(
      '++addr:\tDisplay/set device address\n',
    );
    expect(await harness('twilight-0.51.29').run('++help nosuch\r\n')).toBe('');
  });
});

describe('++addr per profile', () => {
  it.each([
    ['twilight-0.51.29', '++addr 5 96\r\n++addr\r\n', '5\r\n'],
    ['twilight-0.53.04', '++addr 5,96\r\n++addr\r\n', '5,96\r\n'],
    ['twilight-0.53.04', '++addr 5 3\r\n++addr\r\n', '5,99\r\n'],
    ['twilight-0.53.04', '++addr 5,96\r\n++addr 7\r\n++addr\r\n', '7\r\n'],
    ['esp32', '++addr 5 96\r++addr\r', '5 96\r\n'],
    ['prologix', '++addr 9 96\n++addr\n', '9 96\r\n'],
    ['prologix', '++addr 0\n++addr\n', '0\r\n'],
  ] as const)('%s %j', async (profile, input, expected) => {
    expect(await harness(profile).run(input)).toBe(expected);
  });

  it('a secondary-addressed instrument is reached with its SAD (not on DD: addrDev() drops it)', async () => {
    for (const [profile, expected] of [
      ['twilight-0.53.04', 'HEWLETT-PACKARD,34401A,0,11-5-2\n'],
      ['esp32', ''],
    ] as const) {
      const h = harness(profile, [{ address: 9, secondary: 2, device: createHp34401a() }]);
      const eol = profile === 'esp32' ? '\r' : '\r\n';
      await h.run(`++read_tmo_ms 20${eol}++addr 9 98${eol}`);
      expect(await h.run(`*IDN?${eol}++read eoi${eol}`)).toBe(expected);
    }
  });
});

describe('data path (§1.5)', () => {
  it('EOS and EOI per ++eos/++eoi; esp32 pulses EOI after the last byte', async () => {
    for (const profile of ['twilight-0.53.04', 'esp32'] as const) {
      const rec = new Recorder();
      const h = harness(profile, [{ address: 5, device: rec }]);
      const eol = profile === 'esp32' ? '\r' : '\r\n';
      await h.run(
        `++addr 5${eol}++eos 0${eol}++eoi 1${eol}AB${eol}++eos 3${eol}CD${eol}++eoi 0${eol}EF${eol}`,
      );
      const ends = rec.chunks.map((c) => [c.data.toString(), c.end]);
      if (profile === 'esp32') {
        expect(ends).toEqual([
          ['AB\r\n', false],
          ['CD', false],
          ['EF', false],
        ]);
        expect(rec.lateEoiPulses).toBe(2);
      } else {
        expect(ends).toEqual([
          ['AB\r\n', true],
          ['CD', true],
          ['EF', false],
        ]);
        expect(rec.lateEoiPulses).toBe(0);
      }
    }
  });

  it('eos 1/2 append CR or LF', async () => {
    const rec = new Recorder();
    const h = harness('twilight-0.51.29', [{ address: 5, device: rec }]);
    await h.run('++addr 5\r\n++eos 1\r\nX\r\n++eos 2\r\nY\r\n');
    expect(rec.bytes.toString()).toBe('X\rY\n');
  });

  it.each(['twilight-0.51.29', 'twilight-0.53.04', 'prologix'] as const)(
    '%s: all 256 byte values escaped round-trip exactly into the instrument',
    async (profile) => {
      const rec = new Recorder();
      const h = harness(profile, [{ address: 5, device: rec }]);
      const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      await h.run('++addr 5\r\n++eos 3\r\n++eoi 1\r\n');
      // 256 bytes > a 128-byte parse buffer: send in escaped lines of 100 raw bytes each.
      for (let i = 0; i < 256; i += 100)
        await h.run(Buffer.concat([escapeData(all.subarray(i, i + 100)), Buffer.from('\r\n')]));
      expect(rec.bytes).toEqual(all);
    },
  );

  it('esp32: the same round trip loses 0x0A (DD ignores LF even escaped) and BS needs escaping', async () => {
    const rec = new Recorder();
    const h = harness('esp32', [{ address: 5, device: rec }]);
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await h.run('++addr 5\r++eos 3\r++eoi 1\r');
    // Prologix escaping alone is not enough on DD: an unescaped BS deletes the byte before it.
    const escape = (b: Buffer) =>
      Buffer.from([...b].flatMap((c) => (c === 8 ? [27, 8] : [...escapeData(Buffer.from([c]))])));
    for (let i = 0; i < 256; i += 100)
      await h.run(Buffer.concat([escape(all.subarray(i, i + 100)), Buffer.from('\r')]));
    expect(rec.bytes).toEqual(Buffer.from([...all].filter((b) => b !== 0x0a)));
  });

  it('oldEscapeDrop fault: pre-0.51.29 drops escaped CR/LF/ESC with ++eoi 0 (AR488#45)', async () => {
    const rec = new Recorder();
    const h = harness('twilight-0.51.29', [{ address: 5, device: rec }], { oldEscapeDrop: true });
    await h.run('++addr 5\r\n++eos 3\r\n');
    await h.run(
      Buffer.concat([escapeData(Buffer.from([1, 13, 2, 10, 3, 27, 4])), Buffer.from('\r\n')]),
    );
    expect([...rec.bytes]).toEqual([1, 2, 3, 4]);
  });

  it('scope CURVe? block with CR/LF inside: ++read eoi reads it whole, ++read stops at CR LF', async () => {
    const scope = new SimTekScope({ seed: 3 });
    const block = scope.curveData();
    expect(block.subarray(0, 6).toString()).toBe('#42500');
    expect(block.includes(0x0a)).toBe(true);
    expect(block.includes(0x0d)).toBe(true);
    const h = harness('twilight-0.53.04', [{ address: 1, device: scope }]);
    await h.run('++addr 1\r\n++read_tmo_ms 30\r\n');
    const whole = await h.run('CURV?\r\n++read eoi\r\n');
    expect(Buffer.from(whole, 'latin1')).toEqual(Buffer.concat([block, Buffer.from('\n')]));
    // ++read (EOR CR LF) stops at the first CR LF; the rest stays in the instrument's queue.
    const cut = Buffer.from(await h.run('CURV?\r\n++read\r\n'), 'latin1');
    expect(cut.length).toBeLessThan(block.length);
    expect(cut.subarray(-2).toString()).toBe('\r\n');
    const rest = Buffer.from(await h.run('++read eoi\r\n'), 'latin1');
    expect(Buffer.concat([cut, rest])).toEqual(Buffer.concat([block, Buffer.from('\n')]));
  });

  it('++eor 7 and TL ++eoi 1 make plain ++read stop on EOI; DD ++eoi 1 does not', async () => {
    for (const [profile, setup, whole] of [
      ['twilight-0.51.29', '++eor 7', true],
      ['twilight-0.51.29', '++eoi 1', true],
      ['esp32', '++eor 7', true],
      ['esp32', '++eoi 1', false],
    ] as const) {
      const h = harness(profile, [{ address: 1, device: new SimTekScope({ seed: 3 }) }]);
      const eol = profile === 'esp32' ? '\r' : '\r\n';
      await h.run(`++addr 1${eol}++read_tmo_ms 30${eol}${setup}${eol}`);
      const got = await h.run(`CURV?${eol}++read${eol}`);
      expect(got.length === 2507, `${profile} ${setup}`).toBe(whole);
    }
  });

  it('++eot_enable appends eot_char after an EOI read', async () => {
    const h = harness('twilight-0.51.29');
    await h.run('++addr 22\r\n++eot_enable 1\r\n++eot_char 4\r\n');
    expect(await h.run('*IDN?\r\n++read eoi\r\n')).toBe('HEWLETT-PACKARD,34401A,0,11-5-2\n\x04');
  });

  it('++read <char> stops at that byte; TL-0.53 parses it as an address instead', async () => {
    const h = harness('twilight-0.51.29');
    await h.run('++addr 22\r\n++read_tmo_ms 30\r\n');
    expect(await h.run('*IDN?\r\n++read 44\r\n')).toBe('HEWLETT-PACKARD,');
    const t = harness('twilight-0.53.04', [
      { address: 22, device: createHp34401a() },
      { address: 10, device: createHpE3631a() },
    ]);
    await t.run('++read_tmo_ms 30\r\n++addr 10\r\n*IDN?\r\n++addr 22\r\n');
    // `++read 10` reads from address 10, whatever ++addr says.
    expect(await t.run('++read 10\r\n')).toBe('HEWLETT-PACKARD,E3631A,0,2.1-5.0-1.0\n');
    expect(await t.run('++read 59\r\n')).toBe('Invalid parameter\r\n');
  });

  it('read timeout: nothing comes back, no marker; the late reply waits in the instrument', async () => {
    const h = harness('twilight-0.53.04', [{ address: 22, device: createHp34401a() }], {
      instrumentDelayMs: { 22: 150 },
    });
    await h.run('++addr 22\r\n++read_tmo_ms 40\r\n');
    const t0 = performance.now();
    expect(await h.run('*IDN?\r\n++read eoi\r\n')).toBe('');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(38);
    await sleep(150);
    expect(await h.run('++read eoi\r\n')).toBe('HEWLETT-PACKARD,34401A,0,11-5-2\n');
  });

  it('++auto 1 reads after every line; a non-query logs -420 Query UNTERMINATED', async () => {
    const h = harness('twilight-0.51.29');
    await h.run('++addr 22\r\n++read_tmo_ms 30\r\n++auto 1\r\n');
    expect(await h.run('*IDN?\r\n')).toBe('HEWLETT-PACKARD,34401A,0,11-5-2\n');
    expect(await h.run('*RST\r\n')).toBe('');
    expect(await h.run('SYST:ERR?\r\n')).toBe('-420,"Query UNTERMINATED"\n');
    expect(await h.run('SYST:ERR?\r\n')).toBe('+0,"No error"\n');
  });

  it('++auto 2 reads only after lines ending in ?', async () => {
    const h = harness('twilight-0.51.29');
    await h.run('++addr 22\r\n++read_tmo_ms 30\r\n++auto 2\r\n');
    expect(await h.run('*RST\r\n')).toBe('');
    expect(await h.run('*IDN?\r\n')).toBe('HEWLETT-PACKARD,34401A,0,11-5-2\n');
    expect(await h.run('++auto 0\r\nSYST:ERR?\r\n++read eoi\r\n')).toBe('+0,"No error"\n');
  });

  it('TL: input during a read waits; esp32: a complete line aborts a ++read eoi', async () => {
    const slow = { instrumentDelayMs: { 22: 60 } };
    const tl = harness('twilight-0.53.04', [{ address: 22, device: createHp34401a() }], slow);
    await tl.run('++addr 22\r\n++read_tmo_ms 200\r\n');
    expect(await tl.run('*IDN?\r\n++read eoi\r\n++ver\r\n')).toBe(
      'HEWLETT-PACKARD,34401A,0,11-5-2\nAR488 GPIB controller, ver. 0.53.04, 13/04/2025\r\n',
    );
    const dd = harness('esp32', [{ address: 22, device: createHp34401a() }], slow);
    await dd.run('++addr 22\r++read_tmo_ms 200\r');
    // The pipelined ++ver ends the read at the first byte-wait; the reply stays queued (§4 row 21).
    const out = await dd.run('*IDN?\r++read eoi\r++ver\r');
    expect(out).toBe('AR488 GPIB controller, ver. 0.49.14, 02/03/2021\r\n');
  });

  it('++auto 3 streams until the next ++ command', async () => {
    const h = harness('twilight-0.51.29');
    await h.run('++addr 22\r\n++read_tmo_ms 20\r\n++auto 3\r\n');
    h.send('*IDN?\r\n++read eoi\r\n');
    await sleep(80);
    expect(h.take().toString()).toBe('HEWLETT-PACKARD,34401A,0,11-5-2\n');
    expect(await h.run('++auto 0\r\n')).toBe('');
    expect(h.emu.log.map((l) => l.text).slice(-3)).toEqual(['*IDN?', '++read eoi', '++auto 0']);
    // Each further read addressed the meter with nothing to say (§4 row 11).
    expect(await h.run('SYST:ERR?\r\n++read eoi\r\n')).toBe('-420,"Query UNTERMINATED"\n');
  });
});

describe('serial poll formats (§1.7)', () => {
  /** Two devices: 5 requests service (MAV with *SRE 16), 7 is quiet. */
  async function srqBench(profile: FirmwareProfileName) {
    const h = harness(profile, [
      { address: 5, device: createHp34401a({ seed: 5 }) },
      { address: 7, device: createHp34401a({ seed: 7 }) },
      { address: 22, device: createHp34401a({ seed: 22 }) },
    ]);
    const eol = profile === 'esp32' ? '\r' : '\r\n';
    await h.run(`++read_tmo_ms 5${eol}++addr 5${eol}*SRE 16${eol}*IDN?${eol}`);
    // The *IDN? reply queued: MAV, and with *SRE 16 the request for service.
    await expect.poll(() => h.emu.bus.srq).toBe(true);
    return { h, eol };
  }

  it('twilight-0.53.04', async () => {
    const { h } = await srqBench('twilight-0.53.04');
    expect(await h.run('++srq\r\n')).toBe('1\r\n');
    expect(await h.run('++spoll 7\r\n')).toBe('0\r\n');
    expect(await h.run('++spoll 22\r\n')).toBe('0\r\n');
    expect(await h.run('++spoll 3 7 5\r\n')).toBe('0\r\n'); // first device that answers
    expect(await h.run('++spoll x\r\n')).toBe('Invalid parameter\r\n');
    expect(await h.run('++spoll 9\r\n')).toBe(''); // nobody there: no output at all
    expect(await h.run('++spoll all\r\n')).toBe('SRQ:5,80\r\n\r\n');
    // Polled: RQS cleared, SRQ released.
    expect(await h.run('++srq\r\n')).toBe('0\r\n');
    expect(await h.run('++allspoll\r\n')).toBe('\r\n');
    expect(await h.run('++spoll\r\n')).toBe('16\r\n');
  });

  it('twilight-0.51.29', async () => {
    const { h } = await srqBench('twilight-0.51.29');
    expect(await h.run('++spoll 123\r\n')).toBe('Unrecognized command\r\n');
    expect(await h.run('++allspoll\r\n')).toBe('SRQ:5,80\r\n\r\n');
  });

  it('esp32', async () => {
    const { h } = await srqBench('esp32');
    expect(await h.run('++spoll 22\r')).toBe('Unrecognized command\r\n'); // 2-digit address
    expect(await h.run('++spoll 5 7\r')).toBe('Unrecognized command\r\n'); // one address only
    expect(await h.run('++spoll 9\r')).toBe('\r\n'); // nobody: just CR LF
    expect(await h.run('++findrqs 7 5\r')).toBe('SRQ:5,80\r\n');
    expect(await h.run('++findrqs 7 5\r')).toBe('\r\n');
    expect(await h.run('++allspoll 7 5 22\r')).toBe('7:0 5:16 22:0 \r\n');
    // strlen(params) < 2 looks at the FIRST token only (strtok cut it): 2-digit first address refused…
    expect(await h.run('++allspoll 22 5\r')).toBe('Unrecognized command\r\n');
    // …and an out-of-range later one is reported twice (notInRange(), then errBadCmd()).
    expect(await h.run('++allspoll 3 40\r')).toBe(
      'Unrecognized command\r\nUnrecognized command\r\n',
    );
    expect(await h.run('++addr 5\r++spoll\r')).toBe('16\r\n');
  });

  it('prologix', async () => {
    const { h } = await srqBench('prologix');
    expect(await h.run('++spoll 5\n')).toBe('80\n'.replace('\n', '\r\n'));
    expect(await h.run('++spoll 22\n')).toBe('0\r\n');
  });

  it('++srqauto 1 prints the status byte unsolicited (TL-0.53), not on TL-0.51.29', async () => {
    const { h } = await srqBench('twilight-0.53.04');
    // Polled once: RQS clears, SRQ drops, so the loop stops printing.
    expect(await h.run('++srqauto 1\r\n')).toBe('80\r\n');
    await sleep(20);
    expect(h.take().toString()).toBe('');
    const old = await srqBench('twilight-0.51.29');
    await old.h.run('++srqauto 1\r\n');
    await sleep(30);
    expect(old.h.take().toString()).toBe('');
  });
});

describe('listener discovery', () => {
  const bench = (profile: FirmwareProfileName) =>
    harness(profile, [
      { address: 3, device: createHp34401a() },
      { address: 5, secondary: 1, device: createHp34401a() },
      { address: 22, device: createHp34401a() },
    ]);

  it('TL-0.53 ++fndl: pri or pri:sec, comma separated', async () => {
    const h = bench('twilight-0.53.04');
    expect(await h.run('++fndl all\r\n')).toBe('3,5:97,22\r\n');
    expect(await h.run('++fndl 1-4\r\n')).toBe('3\r\n');
    expect(await h.run('++fndl 22,3,9\r\n')).toBe('22,3\r\n');
    expect(await h.run('++fndl 1-40\r\n')).toBe('Invalid parameter\r\n');
  });

  it('DD ++findlstn: primaries only, space after each, waits read_tmo_ms per empty address', async () => {
    const h = bench('esp32');
    await h.run('++read_tmo_ms 1\r');
    expect(await h.run('++findlstn\r')).toBe('3 22 \r\n');
  });
});

describe('configuration, EEPROM and reboot', () => {
  it('++savecfg writes whatever its argument; settings survive a reboot only if saved', async () => {
    const h = harness('twilight-0.51.29', undefined, { rebootMs: 0 });
    await h.run('++addr 9\r\n++savecfg 0\r\n++eos 3\r\n');
    expect(h.emu.eepromWrites).toBe(1);
    h.emu.reboot();
    expect(await h.run('++addr\r\n++eos\r\n')).toBe('9\r\n0\r\n');
  });

  it('++rst reboots: unsaved settings lost, input ignored while booting', async () => {
    const h = harness('twilight-0.53.04', undefined, { rebootMs: 40 });
    await h.run('++read_tmo_ms 77\r\n');
    h.send('++rst\r\n');
    await sleep(5);
    h.send('++ver\r\n'); // lost: the MCU is still in its bootloader
    await sleep(60);
    expect(await h.run('++read_tmo_ms\r\n')).toBe('1200\r\n');
    expect(h.emu.log.map((l) => l.text)).toEqual(['++read_tmo_ms 77', '++rst', '++read_tmo_ms']);
  });

  it('++default: TL resets to defaults, DD re-reads what was saved', async () => {
    const tl = harness('twilight-0.51.29');
    expect(await tl.run('++addr 9\r\n++savecfg\r\n++default\r\n++addr\r\n')).toBe('1\r\n');
    const dd = harness('esp32');
    expect(await dd.run('++addr 9\r++savecfg\r++addr 4\r++default\r++addr\r')).toBe('9\r\n');
  });

  it('defaults per §1.6', async () => {
    const h = harness('twilight-0.53.04');
    expect(
      await h.run(
        '++auto\r\n++eoi\r\n++eor\r\n++eos\r\n++eot_enable\r\n++eot_char\r\n++addr\r\n++mode\r\n++read_tmo_ms\r\n',
      ),
    ).toBe('0\r\n0\r\n0\r\n0\r\n0\r\n0\r\n1\r\n1\r\n1200\r\n');
  });

  it('Prologix ++savecfg toggles auto-save; changes are written while it is on', async () => {
    const h = harness('prologix');
    expect(await h.run('++savecfg\n')).toBe('1\r\n');
    await h.run('++addr 4\n');
    expect(h.emu.eepromWrites).toBe(1);
    await h.run('++savecfg 0\n++addr 5\n');
    expect(h.emu.eepromWrites).toBe(1);
  });
});

describe('other commands', () => {
  it('++repeat sends a line n times and reads each reply', async () => {
    const h = harness('twilight-0.51.29');
    await h.run('++addr 22\r\n++read_tmo_ms 30\r\n++eoi 1\r\n');
    expect(await h.run('++repeat 2 0 *IDN?\r\n')).toBe(
      'HEWLETT-PACKARD,34401A,0,11-5-2\n'.repeat(2),
    );
    expect(await h.run('++repeat 2 0\r\n')).toBe('Unrecognized command\r\n');
  });

  it('++verbose toggles on TL-0.51, takes 0|1 on DD; DD keeps it in NVS', async () => {
    const tl = harness('twilight-0.51.29');
    // Verbose TL prompts after the command, and again for the empty line the LF makes.
    expect(await tl.run('++verbose\r\n')).toBe('Verbose: ON\r\n> \r\n> ');
    expect(await tl.run('++verbose 1\r\n')).toBe('Verbose: OFF\r\n');
    const dd = harness('esp32');
    expect(await dd.run('++verbose 1\r')).toBe('Verbose: ON\r\n');
    expect(await dd.run('++verbose\r')).toBe('Verbose: ON\r\n');
    expect(await dd.run('++prompt 1\r')).toBe('Show prompt: ON\r\n> ');
  });

  it('++flags (TL-0.53) prints Read^OK and Send^OK', async () => {
    const h = harness('twilight-0.53.04');
    await h.run('++addr 22\r\n++read_tmo_ms 30\r\n');
    expect(await h.run('++flags 6\r\n++flags\r\n')).toBe('6\r\n');
    expect(await h.run('*IDN?\r\n++read eoi\r\n')).toBe(
      'Send^OK\r\nHEWLETT-PACKARD,34401A,0,11-5-2\nRead^OK\r\n',
    );
  });

  it('++wifi (DD): settings echo back; status lines go to the serial stream only', async () => {
    const h = harness('esp32');
    expect(await h.run('++wifi ssid labnet\r++wifi ssid\r++wifi pass s3cret\r++wifi pass\r')).toBe(
      'labnet\r\ns3cret\r\n',
    );
    expect(await h.run('++wifi connect\r')).toBe(
      'Connecting to Wifi: labnet\r\n\r\nWiFi connected IP address: 192.168.4.2\r\n',
    );
    h.emu.setLinkKind('tcp');
    expect(await h.run('++wifi scan\r')).toBe('');
    expect(await h.run('++tmbus 12\r++tmbus\r')).toBe('12\r\n');
  });

  it('++macro answers Disabled on TL; device mode refuses controller commands', async () => {
    const h = harness('twilight-0.51.29');
    expect(await h.run('++macro\r\n')).toBe('Disabled\r\n');
    expect(await h.run('++mode 0\r\n++mode\r\n++read\r\n')).toBe('0\r\nUnrecognized command\r\n');
    expect(await h.run('++status 65\r\n++status\r\n++mode 1\r\n++mode\r\n')).toBe('65\r\n1\r\n');
  });
});

describe('bus management', () => {
  it('++ren 0 makes ++llo a no-op; with REN the device goes remote with lockout; ++loc all frees it', async () => {
    const h = harness('twilight-0.51.29');
    await h.run('++addr 22\r\n++ren 0\r\n++llo\r\n');
    expect(h.emu.bus.remoteState(22)).toBe('local');
    await h.run('++ren 1\r\n++llo\r\n');
    expect(h.emu.bus.remoteState(22)).toBe('remote-lockout');
    await h.run('++loc all\r\n');
    expect(h.emu.bus.remoteState(22)).toBe('local');
  });

  it('++clr clears the output queue; ++trg triggers a BUS-armed reading', async () => {
    const dmm = createHp34401a();
    const h = harness('twilight-0.53.04', [{ address: 22, device: dmm }]);
    await h.run('++addr 22\r\n++read_tmo_ms 30\r\n*IDN?\r\n');
    // The reply is in the output queue before ++clr empties it.
    await expect.poll(() => dmm.messageAvailable).toBe(true);
    expect(await h.run('++clr\r\n++read eoi\r\n')).toBe('');
    await h.run('TRIG:SOUR BUS\r\nINIT\r\nFETC?\r\n');
    expect(await h.run('++read eoi\r\n')).toBe('');
    expect(await h.run('++trg\r\n++read eoi\r\n')).toMatch(/^\+4\.234\d{5}E\+00\n$/);
  });

  it('++ppoll reports configured parallel-poll lines', async () => {
    const h = harness('twilight-0.51.29', [
      { address: 3, device: createHp34401a({ parallelPollLine: 2 }) },
    ]);
    expect(await h.run('++ppoll\r\n')).toBe('0\r\n');
    await h.run('++addr 3\r\n*PRE 32\r\n*ESE 1\r\n*OPC\r\n');
    expect(await h.run('++ppoll\r\n')).toBe('2\r\n');
  });
});

describe('faults', () => {
  it('byteAtATime: every output byte is its own write', async () => {
    const h = harness('twilight-0.51.29', undefined, { byteAtATime: true });
    expect(await h.run('++ver\r\n')).toBe('AR488 GPIB controller, ver. 0.51.29, 18/03/2024\r\n');
    expect(h.writes.every((w) => w.length === 1)).toBe(true);
    expect(h.writes.length).toBe(49);
  });

  it('rxBufferBytes: bytes sent while the adapter is busy beyond the UART buffer are dropped', async () => {
    const h = harness('twilight-0.51.29', [{ address: 22, device: createHp34401a() }], {
      rxBufferBytes: 64,
      instrumentDelayMs: { 22: 1000 },
    });
    await h.run('++addr 22\r\n++read_tmo_ms 300\r\n');
    // The read blocks for 300 ms; 100 more bytes arrive meanwhile, 36 of them are lost.
    h.send('*IDN?\r++read eoi\r');
    await sleep(10);
    h.send(`++ver${'x'.repeat(120)}\r\n`.slice(0, 100));
    await sleep(5);
    await h.emu.idle();
    expect(h.emu.droppedRxBytes).toBe(36);
  });

  it('baud: output is paced at 10 bits per byte, not delivered in one burst', async () => {
    const h = harness('twilight-0.51.29', [{ address: 1, device: new SimTekScope() }], {
      baud: 115200,
    });
    await h.run('++addr 1\r\n++read_tmo_ms 50\r\n');
    const arrivals: number[] = [];
    h.emu.onOutput((b) => arrivals.push(performance.now(), b.length));
    const t0 = performance.now();
    const out = await h.run('CURV?\r\n++read eoi\r\n');
    expect(out.length).toBe(2507);
    // 2507 bytes at 86.8 µs each take ≥ 217 ms on the wire, arriving in pieces (first byte alone).
    expect(performance.now() - t0).toBeGreaterThan(200);
    expect(arrivals[1]).toBe(1);
    expect(arrivals.length / 2).toBeGreaterThan(5);
  });

  it('staleBytes: a stray byte follows every reply', async () => {
    const h = harness('twilight-0.51.29', undefined, { staleBytes: '\x00' });
    await h.run('++addr 22\r\n');
    expect(await h.run('*IDN?\r\n++read eoi\r\n')).toBe('HEWLETT-PACKARD,34401A,0,11-5-2\n\x00');
  });

  it('latencyMs delays every line', async () => {
    const h = harness('twilight-0.51.29', undefined, { latencyMs: 30 });
    const t0 = performance.now();
    expect(await h.run('++ver\r\n')).toContain('0.51.29');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(28);
  });

  it('resetOnOpen: boot chatter, input ignored while booting', async () => {
    const h = harness('esp32', undefined, { resetOnOpen: { bootMs: 40, chatter: true } });
    h.emu.hostConnected();
    h.send('++ver\r');
    await sleep(60);
    const chatter = h.take().toString();
    expect(chatter).toMatch(/^ets Jun {2}8 2016 00:22:57\r\n/);
    expect(chatter).toContain('rst:0x1 (POWERON_RESET)');
    expect(await h.run('++ver\r')).toBe('AR488 GPIB controller, ver. 0.49.14, 02/03/2021\r\n');
    expect(h.emu.log).toHaveLength(1);
  });
});
