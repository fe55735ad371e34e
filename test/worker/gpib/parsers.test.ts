import { describe, expect, it } from 'vitest';
import { escapeData, printable } from '../../../worker/gpib/escape.js';
import { parseFindlstn, parseFndl, parseVersion } from '../../../worker/gpib/firmware.js';
import { parseBlockHeader } from '../../../worker/gpib/ieee-block.js';
import { parseIdn } from '../../../worker/gpib/idn.js';
import { InputBuffer, ReplyFramer } from '../../../worker/gpib/input-buffer.js';
import { refusedRawCommand } from '../../../worker/gpib/raw-command-policy.js';

describe('escapeData', () => {
  it("follows the manuals' example (AR488 p. 11, Prologix p. 7)", () => {
    const sent = escapeData(Buffer.from([0x54, 0x45, 0x1b, 0x53, 0x2b, 0x0d, 0x54, 0x46]));
    expect([...sent]).toEqual([0x54, 0x45, 0x1b, 0x1b, 0x53, 0x1b, 0x2b, 0x1b, 0x0d, 0x54, 0x46]);
  });

  it('escapes exactly ESC, CR, LF, + and BS among all 256 byte values, and unescaping restores them', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const sent = escapeData(all);
    expect(sent.length).toBe(256 + 5);
    // The adapter's rule (TL parseInput): ESC takes the next byte literally.
    const received: number[] = [];
    for (let i = 0; i < sent.length; i++) received.push(sent[i] === 0x1b ? sent[++i] : sent[i]);
    expect(Buffer.from(received).equals(all)).toBe(true);
    // No unescaped CR or LF is left to end the line early.
    for (let i = 0; i < sent.length; i++) {
      if (sent[i] === 0x0d || sent[i] === 0x0a) expect(sent[i - 1]).toBe(0x1b);
    }
  });

  it('shows control bytes as \\xNN', () => {
    expect(printable(Buffer.from('A\x1b\r\n\\'))).toBe('A\\x1b\\x0d\\x0a\\x5c');
  });
});

describe('parsers', () => {
  it('reads IEEE 488.2 block headers', () => {
    expect(parseBlockHeader(Buffer.from('#42500xyz'))).toEqual({ dataStart: 6, length: 2500 });
    expect(parseBlockHeader(Buffer.from(' #15abcde'))).toEqual({ dataStart: 4, length: 5 });
    expect(parseBlockHeader(Buffer.from('#4250'))).toBeUndefined();
    expect(parseBlockHeader(Buffer.from('#'))).toBeUndefined();
    expect(parseBlockHeader(Buffer.from('+4.2E+00\n'))).toBeNull();
    expect(parseBlockHeader(Buffer.from('#0abc'))).toBeNull();
    expect(parseBlockHeader(Buffer.from('#2x1'))).toBeNull();
  });

  it('parses ++ver loosely', () => {
    expect(parseVersion('AR488 GPIB controller, ver. 0.53.04, 13/04/2025')).toMatchObject({
      family: 'ar488',
      ar488Version: '0.53.04',
    });
    expect(parseVersion('AR488 GPIB controller 0.51.29')).toMatchObject({
      family: 'ar488',
      ar488Version: '0.51.29',
    });
    expect(parseVersion('Prologix GPIB-USB Controller version 6.101')).toMatchObject({
      family: 'prologix',
      ar488Version: null,
    });
    expect(parseVersion('My bench bridge')).toMatchObject({
      family: 'unknown',
      version: 'My bench bridge',
    });
  });

  it('parses listener lists of both firmware families', () => {
    expect(parseFndl('3,5:97,11,22')).toEqual([
      { address: 3 },
      { address: 5, secondary: 1 },
      { address: 11 },
      { address: 22 },
    ]);
    expect(parseFndl('')).toEqual([]);
    expect(parseFindlstn('5 7 22 ')).toEqual([{ address: 5 }, { address: 7 }, { address: 22 }]);
    expect(parseFindlstn('')).toEqual([]);
  });

  it('parses *IDN? and refuses what is not one', () => {
    expect(parseIdn('HEWLETT-PACKARD,34401A,0,11-5-2\n')).toEqual({
      manufacturer: 'HEWLETT-PACKARD',
      model: '34401A',
      serial: '0',
      firmware: '11-5-2',
      raw: 'HEWLETT-PACKARD,34401A,0,11-5-2',
    });
    expect(parseIdn('KEITHLEY INSTRUMENTS INC.,MODEL 2000,1234567,A19,A02')?.firmware).toBe(
      'A19,A02',
    );
    expect(parseIdn('+1.234E+00')).toBeNull();
    expect(parseIdn('')).toBeNull();
  });
});

describe('ReplyFramer over an InputBuffer', () => {
  const limits = { firstByteMs: 200, inactivityMs: 50, totalMs: 2000 };

  it('ends text at its final LF and keeps what follows for later', async () => {
    const input = new InputBuffer();
    input.push(Buffer.from('+1.0E+00\nnext'));
    const { bytes, end } = await input.read(new ReplyFramer(), limits);
    expect([bytes.toString(), end]).toEqual(['+1.0E+00\n', 'complete']);
    expect(input.clear().toString()).toBe('next');
  });

  it('reads a block fed one byte at a time, including CR LF inside it', async () => {
    const input = new InputBuffer();
    const framer = new ReplyFramer();
    const reading = input.read(framer, limits);
    for (const b of Buffer.from('#210ab\r\ncd\nef\n\n')) input.push(Buffer.from([b]));
    const { bytes, end } = await reading;
    expect(end).toBe('complete');
    expect(bytes.toString()).toBe('#210ab\r\ncd\nef\n\n');
    expect(framer.block).toEqual({ dataStart: 4, length: 10 });
  });

  it('ends a reply without LF by inactivity, and reports silence as no-response', async () => {
    const input = new InputBuffer();
    const reading = input.read(new ReplyFramer(), limits);
    input.push(Buffer.from('4.2'));
    expect(await reading).toEqual({ bytes: Buffer.from('4.2'), end: 'inactive' });
    expect((await new InputBuffer().read(new ReplyFramer(), limits)).end).toBe('no-response');
  });

  it('extends the total limit once a block says how long it is', async () => {
    const input = new InputBuffer();
    const framer = new ReplyFramer();
    const reading = input.read(framer, {
      firstByteMs: 100,
      inactivityMs: 100,
      totalMs: 60,
      extendTotalMs: () => (framer.block ? 400 : 60),
    });
    input.push(Buffer.from('#15ab'));
    setTimeout(() => input.push(Buffer.from('c')), 40);
    setTimeout(() => input.push(Buffer.from('de\n')), 90);
    expect((await reading).end).toBe('complete');
  });
});

describe('raw_command guard', () => {
  it.each([
    ['++savecfg', '++savecfg'],
    ['++savecfg 0', '++savecfg'],
    ['++SaveCfg', '++savecfg'],
    ['++rst', '++rst'],
    ['++mode 0', '++mode 0'],
    ['++wifi ssid lab', '++wifi'],
    ['++xdiag pins', '++xdiag'],
    ['++repeat 10 0 ++ver', '++repeat'],
  ])('refuses %s', (command, key) => {
    expect(refusedRawCommand(command, [])).toMatch(
      new RegExp(`^\\${key} is refused: .*gpib.allow_raw_commands`),
    );
  });

  it('lets ordinary commands and explicitly allowed ones through', () => {
    for (const ok of ['++ver', '++mode 1', '++mode', '++eor 7', '++help', '++read eoi'])
      expect(refusedRawCommand(ok, [])).toBeNull();
    expect(refusedRawCommand('++rst', ['++rst'])).toBeNull();
  });
});
