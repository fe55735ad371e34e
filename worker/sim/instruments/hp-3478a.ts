import { SimInstrument, type SimInstrumentOptions } from './ieee488-device.js';

/** Serial-poll register bits (HP 3478A manual p. 30–33; pymeasure hp3478A.py `SRQ`). */
export const HP3478A_SPOLL = {
  DATA_READY: 1,
  SYNTAX_ERROR: 4,
  INTERNAL_ERROR: 8,
  FRONT_PANEL_SRQ: 16,
  INVALID_CAL: 32,
  RQS: 64,
  POWER_ON: 128,
} as const;

/** Simulated inputs per function F1–F7 (DCV, ACV, 2W Ω, 4W Ω, DCI, ACI, ext Ω). */
const INPUTS = [0, 4.23451, 1.20312, 998.765, 998.512, 0.0123456, 0.00834, 12.345e6];

/** Options for the simulated 3478A. */
export interface Hp3478aOptions extends SimInstrumentOptions {
  /** Override simulated inputs by function number 1–7. */
  inputs?: Partial<Record<number, number>>;
}

type ParseState = 'code' | 'arg' | 'rangeSign' | 'text' | 'raw' | 'octal1' | 'octal2' | 'skip';

/**
 * HP 3478A 5½-digit DMM: pre-SCPI single-letter codes executed as they arrive (F1–F7, R-2…R7/RA,
 * N3–N5, T1–T5, Z0/Z1, D1/D2/D3, H0–H7, M<octal><octal>, B, E, S, K, W<raw byte>), readings
 * `+4.23451E+0` + CR LF with EOI on LF, no `*IDN?` (a syntax error that sets bit 4 of the
 * serial-poll byte instead). `W` takes a raw binary address byte, so 10/13/27/43 must be escaped
 * on the AR488 link (issue Twilight-Logic/AR488#45, pymeasure PR #1263).
 */
export class SimHp3478a extends SimInstrument {
  fn = 1;
  range: number | 'A' = 'A';
  digits = 5;
  triggerMode = 1;
  autoZero = true;
  display = '';
  srqMask = 0;
  /** Serial-poll register (without RQS). */
  spoll: number = HP3478A_SPOLL.POWER_ON;
  errorRegister = 0;
  /** 256 calibration nibbles (0–15), seeded. */
  readonly calRam: Uint8Array;
  private state: ParseState = 'code';
  private code = '';
  private text = '';
  private lastReading: number | undefined;
  private triggered = false;
  private readonly inputs: number[];

  constructor(options: Hp3478aOptions = {}) {
    super(options);
    this.inputs = INPUTS.map((v, i) => options.inputs?.[i] ?? v);
    this.calRam = Uint8Array.from({ length: 256 }, () => this.rng.int(16));
  }

  override get srq(): boolean {
    return (this.spoll & this.srqMask & 0x3f) !== 0;
  }

  override serialPoll(): number {
    const value = this.spoll | (this.srq ? HP3478A_SPOLL.RQS : 0);
    // The 3478A clears its serial-poll register when polled.
    this.spoll = 0;
    this.signal();
    return value;
  }

  override listen(data: Buffer, end: boolean): void {
    for (let i = 0; i < data.length; i++) this.feed(data[i], end && i === data.length - 1);
  }

  override talkAddressed(): void {
    if (this.output.length > 0 || this.pendingResponses > 0) return;
    // T1/T5 measure continuously; T2/T4 answer with the triggered (or last) reading.
    if (
      this.triggerMode === 1 ||
      this.triggerMode === 5 ||
      this.triggered ||
      this.lastReading === undefined
    ) {
      this.triggered = false;
      this.lastReading = this.measure();
    }
    this.respond(Buffer.from(`${this.format(this.lastReading)}\r\n`, 'latin1'));
  }

  override deviceClear(): void {
    super.deviceClear();
    this.home(0);
  }

  override trigger(): void {
    this.triggered = true;
    this.lastReading = this.measure();
    this.setSpoll(HP3478A_SPOLL.DATA_READY);
  }

  /** 5 status bytes (`B`): function/range/digits, flags, SRQ mask, errors, DAC. */
  statusBytes(): Buffer {
    const rangeIndex = this.range === 'A' ? this.autoRangeIndex() : this.range;
    const offset = this.fn === 1 ? 3 : this.fn === 2 || this.fn === 5 || this.fn === 6 ? 2 : 0;
    const b1 = (this.fn << 5) | (((rangeIndex + offset) & 7) << 2) | ((6 - this.digits) & 3);
    const b2 =
      (this.triggerMode === 2 ? 0x40 : 0) |
      0x10 | // front terminals
      (this.autoZero ? 0x04 : 0) |
      (this.range === 'A' ? 0x02 : 0) |
      (this.triggerMode === 1 || this.triggerMode === 5 ? 0x01 : 0);
    return Buffer.from([b1, b2, this.srqMask, this.errorRegister, 0x80]);
  }

  private autoRangeIndex(): number {
    const v = Math.abs(this.inputs[this.fn]);
    const base = this.fn === 1 ? -2 : this.fn === 2 || this.fn === 5 || this.fn === 6 ? -1 : 1;
    let r = base;
    while (3 * 10 ** r < v && r < 7) r++;
    return r;
  }

  private measure(): number {
    const v = this.inputs[this.fn];
    return v + this.rng.gauss() * (Math.abs(v) * 5e-6 + 1e-6);
  }

  /** `+4.23451E+0` with 6/5/4 significant digits for N5/N4/N3. */
  private format(v: number): string {
    const [m, e] = v.toExponential(this.digits).split('e');
    const exp = Number(e);
    return `${v < 0 ? '-' : '+'}${m.replace('-', '')}E${exp < 0 ? '-' : '+'}${Math.abs(exp)}`;
  }

  private setSpoll(bits: number): void {
    this.spoll |= bits;
    this.signal();
  }

  private syntaxError(): void {
    this.setSpoll(HP3478A_SPOLL.SYNTAX_ERROR);
    this.state = 'skip';
  }

  private home(n: number): void {
    this.fn = n === 0 ? 1 : n;
    this.range = 'A';
    this.digits = 5;
    this.autoZero = true;
    this.triggerMode = n === 0 ? 1 : 4;
    this.display = '';
    if (n > 0) this.trigger();
  }

  private feed(c: number, end: boolean): void {
    const ch = String.fromCharCode(c);
    const terminator = c === 0x0a || c === 0x0d || end;
    switch (this.state) {
      case 'skip':
        if (terminator) this.state = 'code';
        return;
      case 'text':
        if (c === 0x0a || c === 0x0d) {
          this.display = this.text.toUpperCase().slice(0, 12);
          this.state = 'code';
        } else {
          this.text += ch;
          if (end) {
            this.display = this.text.toUpperCase().slice(0, 12);
            this.state = 'code';
          }
        }
        return;
      case 'raw':
        // W<address>: one raw byte, whatever its value; reply 64 + nibble with END.
        this.state = 'code';
        this.respond(Buffer.from([64 + this.calRam[c]]));
        return;
      case 'octal1':
      case 'octal2': {
        if (c < 0x30 || c > 0x37) return this.syntaxError();
        this.code += ch;
        if (this.state === 'octal1') this.state = 'octal2';
        else {
          this.srqMask = parseInt(this.code, 8) & 0x3f;
          this.state = 'code';
          this.signal();
        }
        return;
      }
      case 'rangeSign':
        if (c < 0x31 || c > 0x32) return this.syntaxError();
        this.range = -(c - 0x30);
        this.state = 'code';
        return;
      case 'arg':
        return this.argument(ch);
      case 'code':
        break;
    }
    if (c === 0x0a || c === 0x0d || c === 0x20 || c === 0x2c || c === 0x09) return;
    this.code = ch.toUpperCase();
    switch (this.code) {
      case 'F':
      case 'R':
      case 'N':
      case 'T':
      case 'Z':
      case 'D':
      case 'H':
        this.state = 'arg';
        return;
      case 'M':
        this.code = '';
        this.state = 'octal1';
        return;
      case 'W':
        this.state = 'raw';
        return;
      case 'B':
        this.respond(this.statusBytes());
        return;
      case 'E':
        this.respond(Buffer.from(`${this.errorRegister.toString(8).padStart(2, '0')}\r\n`));
        this.errorRegister = 0;
        return;
      case 'S':
        this.respond(Buffer.from('1\r\n'));
        return;
      case 'K':
        this.spoll = 0;
        this.signal();
        return;
      default:
        this.syntaxError();
    }
  }

  private argument(ch: string): void {
    const d = ch.charCodeAt(0) - 0x30;
    this.state = 'code';
    switch (this.code) {
      case 'F':
        if (d < 1 || d > 7) return this.syntaxError();
        this.fn = d;
        return;
      case 'R':
        if (ch === '-') this.state = 'rangeSign';
        else if (ch.toUpperCase() === 'A') this.range = 'A';
        else if (d >= 0 && d <= 7) this.range = d;
        else this.syntaxError();
        return;
      case 'N':
        if (d < 3 || d > 5) return this.syntaxError();
        this.digits = d;
        return;
      case 'T':
        if (d < 1 || d > 5) return this.syntaxError();
        this.triggerMode = d;
        if (d === 3) this.trigger();
        return;
      case 'Z':
        if (d !== 0 && d !== 1) return this.syntaxError();
        this.autoZero = d === 1;
        return;
      case 'D':
        if (d === 1) this.display = '';
        else if (d === 2 || d === 3) {
          this.text = '';
          this.state = 'text';
        } else this.syntaxError();
        return;
      case 'H':
        if (d < 0 || d > 7) return this.syntaxError();
        this.home(d);
        return;
    }
  }
}

/** HP 3478A factory for the instrument registry. */
export function createHp3478a(options: Hp3478aOptions = {}): SimHp3478a {
  return new SimHp3478a(options);
}
