import type { RemoteState, SimGpibDevice, TalkByte } from '../gpib-bus.js';

/**
 * The engine behind the simulated instruments: a byte-level GPIB device (`SimInstrument`: output
 * queue with END, response time, seeded randomness, SRQ plumbing) and on top of it the IEEE
 * 488.2 device (`Ieee488Device`: status model, common commands, error queue, SCPI-ish message
 * parser and the pyvisa-sim-style table of dialogues, properties and commands).
 */

/** Seeded PRNG (mulberry32): every simulated value is reproducible for a seed. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal deviate (Box–Muller). */
  gauss(): number {
    const u = Math.max(this.next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/** Options every simulated instrument accepts. */
export interface SimInstrumentOptions {
  /** Seed for noise, serial numbers and response-time jitter. Default 1. */
  seed?: number;
  /** Time from receiving a query to its output being ready, ms. Default 5. */
  responseTimeMs?: number;
  /** Extra random response time, uniform in [0, jitter) ms, from the seed. Default 0. */
  responseJitterMs?: number;
  /**
   * Accept a lone EOI pulse after the data as END (default false). 488.1 END is EOI *with* a
   * byte; the Tektronix scope in issue Twilight-Logic/AR488#41 did not accept late EOI.
   */
  acceptLateEoi?: boolean;
  /** Parallel-poll DIO line 1–8 this device answers on when its ist is true; none by default. */
  parallelPollLine?: number;
}

/** A byte-level simulated GPIB device with an output queue and a response time. */
export abstract class SimInstrument implements SimGpibDevice {
  /** Extra delay before any response, ms (the `instrumentDelayMs` fault knob). */
  delayMs = 0;
  /** Current remote/local state as the bus drove it. */
  remote: RemoteState = 'local';
  protected readonly rng: SeededRandom;
  protected readonly options: Required<Omit<SimInstrumentOptions, 'parallelPollLine'>> &
    Pick<SimInstrumentOptions, 'parallelPollLine'>;
  protected readonly output: TalkByte[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private notify: () => void = () => {};

  constructor(options: SimInstrumentOptions = {}) {
    this.options = {
      seed: options.seed ?? 1,
      responseTimeMs: options.responseTimeMs ?? 5,
      responseJitterMs: options.responseJitterMs ?? 0,
      acceptLateEoi: options.acceptLateEoi ?? false,
      parallelPollLine: options.parallelPollLine,
    };
    this.rng = new SeededRandom(this.options.seed);
  }

  /** Number of responses computed but not yet in the output queue. */
  get pendingResponses(): number {
    return this.timers.size;
  }

  /** True when output bytes are waiting to be read (MAV). */
  get messageAvailable(): boolean {
    return this.output.length > 0;
  }

  attach(notify: () => void): void {
    this.notify = notify;
  }

  abstract listen(data: Buffer, end: boolean): void;
  abstract serialPoll(): number;
  abstract get srq(): boolean;

  lateEoi(): void {}

  talkAddressed(): void {}

  talk(): TalkByte | undefined {
    const b = this.output.shift();
    if (b) this.outputChanged();
    return b;
  }

  deviceClear(): void {
    this.cancelPending();
    this.output.length = 0;
    this.outputChanged();
  }

  trigger(): void {}

  interfaceClear(): void {}

  remoteChanged(state: RemoteState): void {
    this.remote = state;
  }

  parallelPoll(): number {
    const line = this.options.parallelPollLine;
    if (!line || !this.individualStatus()) return 0;
    return 1 << (line - 1);
  }

  /** The ist message for parallel poll; subclasses refine it. */
  protected individualStatus(): boolean {
    return this.srq;
  }

  /** Response time for the next reply: base + seeded jitter + the fault delay. */
  protected responseDelay(extraMs = 0): number {
    const jitter =
      this.options.responseJitterMs > 0 ? this.rng.next() * this.options.responseJitterMs : 0;
    return this.options.responseTimeMs + jitter + this.delayMs + extraMs;
  }

  /** Queue `data` after the response time; END goes on its last byte. */
  protected respond(data: Buffer, extraMs = 0): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.enqueue(data);
    }, this.responseDelay(extraMs));
    this.timers.add(timer);
  }

  /** Put bytes in the output queue now, END on the last byte. */
  protected enqueue(data: Buffer): void {
    for (let i = 0; i < data.length; i++)
      this.output.push({ byte: data[i], end: i === data.length - 1 });
    this.outputChanged();
  }

  /** Drop scheduled responses (device clear, query interrupted). */
  protected cancelPending(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /** Hook: output queue or pending state changed. Subclasses update status, then call super. */
  protected outputChanged(): void {
    this.signal();
  }

  /** Tell the bus that output or SRQ may have changed. */
  protected signal(): void {
    this.notify();
  }
}

/** A SCPI/488.2 error: `code` is the SCPI error number, `message` its text. */
export class ScpiError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** What a query handler may return: text, raw bytes, or DEFER (the device answers later). */
export type Reply = string | Buffer | typeof DEFER | void;

/** Returned by a query handler whose answer comes later through `deliver()` (e.g. FETC?). */
export const DEFER: unique symbol = Symbol('defer');

/** Context a handler gets: the parsed arguments and the raw unit. */
export interface UnitContext {
  /** Arguments split on commas outside quotes and blocks, trimmed. */
  args: string[];
  /** The raw argument bytes after the header (leading whitespace removed), for block data. */
  data: Buffer;
}

/** A command-table entry: a SCPI header pattern (`MEASure:VOLTage[:DC]?`) and its handler. */
export interface CommandEntry<D> {
  pattern: string;
  run: (dev: D, ctx: UnitContext) => Reply;
}

/** A declarative property (pyvisa-sim style): getter/setter headers, default, specs. */
export interface PropertySpec {
  /** Query header, e.g. `DATa:WIDth?`. */
  get?: string;
  /** Set header, e.g. `DATa:WIDth`. */
  set?: string;
  default: number | string;
  /** Parameter kind; `choice` values are SCPI mnemonics with their short form in capitals. */
  type: 'float' | 'int' | 'choice' | 'bool' | 'string';
  min?: number;
  max?: number;
  choices?: string[];
  /** Format for the query reply; default NR1/NR3/short mnemonic by type. */
  format?: (value: number | string) => string;
  /** Error raised on an out-of-range number; default -222 "Data out of range". */
  rangeError?: [number, string];
}

/** An instrument definition: the data the engine runs. */
export interface InstrumentDefinition<D> {
  /** `*IDN?` reply. */
  idn: string;
  /** Appended to every response message; END rides on its last byte. Default `\n`. */
  terminator?: string;
  /** Fixed query → reply pairs. */
  dialogues?: Record<string, string>;
  properties?: Record<string, PropertySpec>;
  commands?: CommandEntry<D>[];
  /** Reply of `SYSTem:ERRor?` for an empty queue. Default `+0,"No error"`. */
  noError?: string;
  /** Status byte bit 2 summarises the error queue (SCPI-1999 EAV). Default false. */
  errorAvailableBit?: boolean;
  /** `*TST?` reply. Default `+0`. */
  selfTest?: string;
}

interface CompiledNode {
  short: string;
  long: string;
  optional: boolean;
}

interface Compiled<D> {
  nodes: CompiledNode[];
  query: boolean;
  run: (dev: D, ctx: UnitContext) => Reply;
}

/** Compile a SCPI header pattern: `[SOURce:]VOLTage[:LEVel]?` → nodes with short/long forms. */
export function compileHeader(pattern: string): { nodes: CompiledNode[]; query: boolean } {
  const query = pattern.endsWith('?');
  const body = query ? pattern.slice(0, -1) : pattern;
  const nodes: CompiledNode[] = [];
  let optional = false;
  let text = '';
  const flush = () => {
    if (!text) return;
    const short = text.replace(/[a-z]/g, '');
    nodes.push({ short: (short || text).toUpperCase(), long: text.toUpperCase(), optional });
    text = '';
  };
  for (const ch of body) {
    if (ch === '[') {
      flush();
      optional = true;
    } else if (ch === ']') {
      flush();
      optional = false;
    } else if (ch === ':') {
      flush();
    } else {
      text += ch;
    }
  }
  flush();
  return { nodes, query };
}

function matchNodes(nodes: CompiledNode[], header: string[]): boolean {
  if (nodes.length === 0) return header.length === 0;
  const [n, ...rest] = nodes;
  if (header.length > 0) {
    const h = header[0].toUpperCase();
    if ((h === n.short || h === n.long) && matchNodes(rest, header.slice(1))) return true;
  }
  return n.optional && matchNodes(rest, header);
}

/** Split on `sep` outside double/single quotes and 488.2 definite-length blocks. */
export function splitOutside(data: Buffer, sep: number): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  let i = 0;
  while (i < data.length) {
    const c = data[i];
    if (c === 0x22 || c === 0x27) {
      const close = data.indexOf(c, i + 1);
      i = close < 0 ? data.length : close + 1;
      continue;
    }
    if (c === 0x23) {
      const skip = blockLength(data, i);
      if (skip > 0) {
        i += skip;
        continue;
      }
    }
    if (c === sep) {
      parts.push(data.subarray(start, i));
      start = i + 1;
    }
    i++;
  }
  parts.push(data.subarray(start));
  return parts;
}

/** Length of a definite-length block `#<n><len…><data>` starting at `at`, or 0 if none. */
export function blockLength(data: Buffer, at: number): number {
  const n = data[at + 1] - 0x30;
  if (!(n >= 1 && n <= 9) || at + 2 + n > data.length) return 0;
  const len = Number(data.subarray(at + 2, at + 2 + n).toString('latin1'));
  if (!Number.isInteger(len)) return 0;
  return 2 + n + len;
}

/** Build an IEEE 488.2 definite-length block `#<n><len><data>`. */
export function definiteBlock(data: Buffer): Buffer {
  const len = String(data.length);
  return Buffer.concat([Buffer.from(`#${len.length}${len}`, 'latin1'), data]);
}

/** `+4.23451000E+00`: SCPI NR3 the way HP/Agilent instruments print it. */
export function formatNr3(value: number, decimals = 8): string {
  if (!Number.isFinite(value)) return value > 0 ? '+9.90000000E+37' : '-9.90000000E+37';
  const [mant, exp] = value.toExponential(decimals).split('e');
  const e = Number(exp);
  const sign = value < 0 || Object.is(value, -0) ? '-' : '+';
  return `${sign}${mant.replace('-', '')}E${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

/** Parse a SCPI numeric parameter (decimal, MIN/MAX/DEF, unit suffix with m/k/M/u). */
export function parseNumeric(
  arg: string | undefined,
  limits: { min?: number; max?: number; def?: number } = {},
): number {
  if (arg === undefined || arg === '') throw new ScpiError(-109, 'Missing parameter');
  const a = arg.trim().toUpperCase();
  if (a === 'MIN' || a === 'MINIMUM') return limits.min ?? 0;
  if (a === 'MAX' || a === 'MAXIMUM') return limits.max ?? 0;
  if (a === 'DEF' || a === 'DEFAULT') return limits.def ?? limits.min ?? 0;
  const m =
    /^([+-]?(?:\d+\.?\d*|\.\d+)(?:E[+-]?\d+)?)\s*(MA|UA|MV|UV|KOHM|MOHM|OHM|KHZ|MHZ|HZ|V|A|S|MS|US)?$/.exec(
      a,
    );
  if (!m) throw new ScpiError(-104, 'Data type error');
  const scale: Record<string, number> = {
    MA: 1e-3,
    UA: 1e-6,
    MV: 1e-3,
    UV: 1e-6,
    KOHM: 1e3,
    MOHM: 1e6,
    KHZ: 1e3,
    MHZ: 1e6,
    MS: 1e-3,
    US: 1e-6,
  };
  return Number(m[1]) * (m[2] ? (scale[m[2]] ?? 1) : 1);
}

/** Parse a SCPI boolean: ON/OFF/1/0. */
export function parseBool(arg: string | undefined): boolean {
  const a = (arg ?? '').trim().toUpperCase();
  if (a === 'ON' || a === '1') return true;
  if (a === 'OFF' || a === '0') return false;
  if (a === '') throw new ScpiError(-109, 'Missing parameter');
  throw new ScpiError(-224, 'Illegal parameter value');
}

/** Match a mnemonic argument against choices written with their short form in capitals. */
export function parseChoice(arg: string | undefined, choices: string[]): string {
  const a = (arg ?? '')
    .trim()
    .replace(/^["']|["']$/g, '')
    .toUpperCase();
  if (!a) throw new ScpiError(-109, 'Missing parameter');
  for (const c of choices) {
    const short = c.replace(/[a-z]/g, '');
    if (a === short.toUpperCase() || a === c.toUpperCase()) return short;
  }
  throw new ScpiError(-224, 'Illegal parameter value');
}

/** ESR bits (IEEE 488.2 11.5.1). */
export const ESR = { OPC: 1, RQC: 2, QYE: 4, DDE: 8, EXE: 16, CME: 32, URQ: 64, PON: 128 } as const;

/**
 * An IEEE 488.2 instrument driven by an `InstrumentDefinition`: program messages end at NL or
 * at END; units are split on `;`; queries answer after the response time; STB = MAV 16 |
 * ESB 32 | RQS 64 (+ EAV 4); `*ESR?` reads and clears; serial poll clears RQS but `*STB?` does
 * not; -410 when a new message interrupts an unread reply, -420 when addressed to talk with
 * nothing to say.
 */
export class Ieee488Device<Self extends Ieee488Device<Self> = any> extends SimInstrument {
  /** Complete program messages received (terminator removed), newest last, at most 200. */
  readonly messages: Buffer[] = [];
  /** Current property values. */
  readonly props: Record<string, number | string> = {};
  protected esr: number = ESR.PON;
  protected ese = 0;
  protected sre = 0;
  protected pre = 0;
  protected readonly errors: Array<[number, string]> = [];
  private rqs = false;
  private mssBefore = false;
  private input: number[] = [];
  private readonly scan = new MessageScanner();
  private deferred = false;
  private readonly table: Compiled<Self>[] = [];

  constructor(
    protected readonly definition: InstrumentDefinition<Self>,
    options: SimInstrumentOptions = {},
  ) {
    super(options);
    for (const c of definition.commands ?? [])
      this.table.push({ ...compileHeader(c.pattern), run: c.run });
    for (const [q, r] of Object.entries(definition.dialogues ?? {}))
      this.table.push({ ...compileHeader(q), run: () => r });
    for (const [name, spec] of Object.entries(definition.properties ?? {}))
      this.addProperty(name, spec);
    this.resetProperties();
  }

  /** The status byte with bit 6 = MSS, as `*STB?` reports it. */
  get statusByte(): number {
    let stb = 0;
    if (this.definition.errorAvailableBit && this.errors.length > 0) stb |= 4;
    stb |= this.statusBits();
    if (this.messageAvailable) stb |= 16;
    if (this.esr & this.ese) stb |= 32;
    if (stb & this.sre & ~64) stb |= 64;
    return stb;
  }

  override get srq(): boolean {
    return this.rqs;
  }

  /** The SCPI error queue, oldest first (read-only view for tests). */
  get errorQueue(): ReadonlyArray<[number, string]> {
    return this.errors;
  }

  override serialPoll(): number {
    const stb = (this.statusByte & ~64) | (this.rqs ? 64 : 0);
    if (this.rqs) {
      this.rqs = false;
      this.signal();
    }
    return stb;
  }

  override listen(data: Buffer, end: boolean): void {
    for (let i = 0; i < data.length; i++) {
      const c = data[i];
      this.input.push(c);
      // A NL inside quotes or `#<n><len>` block data is data, not a terminator (488.2 7.7.6).
      if (this.scan.feed(c) && c === 0x0a) {
        this.input.pop();
        this.completeMessage();
      } else if (end && i === data.length - 1) {
        this.completeMessage();
      }
    }
  }

  override lateEoi(): void {
    if (this.options.acceptLateEoi && this.input.length > 0) this.completeMessage();
  }

  override talkAddressed(): void {
    // 488.2 6.3.2.2: addressed to talk with no response pending is "Query UNTERMINATED".
    if (!this.messageAvailable && this.pendingResponses === 0 && !this.deferred)
      this.pushError(-420, 'Query UNTERMINATED');
  }

  override deviceClear(): void {
    this.input = [];
    this.scan.reset();
    this.deferred = false;
    super.deviceClear();
  }

  override trigger(): void {
    this.onTrigger();
  }

  /** Push an error into the queue and set its ESR bit (SCPI-99 error classes). */
  pushError(code: number, message: string): void {
    if (this.errors.length >= 20) this.errors[19] = [-350, 'Queue overflow'];
    else this.errors.push([code, message]);
    if (code <= -100 && code > -200) this.esr |= ESR.CME;
    else if (code <= -200 && code > -300) this.esr |= ESR.EXE;
    else if (code <= -300 && code > -400) this.esr |= ESR.DDE;
    else if (code <= -400 && code > -500) this.esr |= ESR.QYE;
    else if (code > 0) this.esr |= ESR.DDE;
    this.updateStatus();
  }

  /** Deliver the answer of a DEFERred query (e.g. FETC? once the trigger came). */
  protected deliver(reply: string | Buffer): void {
    if (!this.deferred) return;
    this.deferred = false;
    this.respond(this.terminate(reply));
  }

  /** True while a DEFERred query waits for its answer. */
  protected get awaitingDeferred(): boolean {
    return this.deferred;
  }

  /** Hook: `*TRG` or GET. */
  protected onTrigger(): void {}

  /** Hook: `*RST` beyond the property defaults. */
  protected onReset(): void {}

  /** Hook: device-specific STB bits (QUES 8, OPER 128). */
  protected statusBits(): number {
    return 0;
  }

  protected override individualStatus(): boolean {
    return (this.statusByte & this.pre) !== 0;
  }

  protected override outputChanged(): void {
    this.updateStatus();
    super.outputChanged();
  }

  /** Recompute MSS and raise RQS on its rising edge (488.2 11.3.3). */
  protected updateStatus(): void {
    const mss = (this.statusByte & this.sre & ~64) !== 0;
    const before = this.rqs;
    if (mss && !this.mssBefore) this.rqs = true;
    if (!mss) this.rqs = false;
    this.mssBefore = mss;
    if (before !== this.rqs) this.signal();
  }

  protected resetProperties(): void {
    for (const [name, spec] of Object.entries(this.definition.properties ?? {}))
      this.props[name] = spec.default;
  }

  private addProperty(name: string, spec: PropertySpec): void {
    if (spec.get) {
      this.table.push({
        ...compileHeader(spec.get),
        run: () => (spec.format ?? defaultFormat(spec))(this.props[name]),
      });
    }
    if (spec.set) {
      this.table.push({
        ...compileHeader(spec.set),
        run: (_dev, { args }) => {
          this.props[name] = parseProperty(spec, args[0]);
        },
      });
    }
  }

  private completeMessage(): void {
    const message = Buffer.from(this.input);
    this.input = [];
    this.scan.reset();
    this.messages.push(message);
    if (this.messages.length > 200) this.messages.shift();
    if (this.messageAvailable || this.pendingResponses > 0 || this.deferred) {
      // 488.2 6.3.2.3: a new message before the reply was read interrupts the query.
      this.cancelPending();
      this.output.length = 0;
      this.deferred = false;
      this.pushError(-410, 'Query INTERRUPTED');
      this.outputChanged();
    }
    this.execute(message);
  }

  /** Execute one program message: units split on `;`, replies joined with `;`. */
  protected execute(message: Buffer): void {
    const replies: Buffer[] = [];
    for (const unit of splitOutside(message, 0x3b)) {
      let start = 0;
      while (start < unit.length && (isSpace(unit[start]) || unit[start] === 0x3a)) start++;
      let sp = start;
      while (sp < unit.length && !isSpace(unit[sp])) sp++;
      if (sp === start) continue;
      const header = unit.subarray(start, sp).toString('latin1');
      let argStart = sp;
      while (argStart < unit.length && isSpace(unit[argStart])) argStart++;
      const data = unit.subarray(argStart);
      const args =
        data.length === 0 ? [] : splitOutside(data, 0x2c).map((b) => b.toString('latin1').trim());
      try {
        const reply = this.dispatch(header, { args, data });
        if (reply === DEFER) this.deferred = true;
        else if (reply !== undefined)
          replies.push(typeof reply === 'string' ? Buffer.from(reply, 'latin1') : reply);
      } catch (err) {
        if (err instanceof ScpiError) this.pushError(err.code, err.message);
        else throw err;
        break;
      }
    }
    if (replies.length > 0) {
      const joined: Buffer[] = [];
      replies.forEach((r, i) => joined.push(...(i > 0 ? [Buffer.from(';'), r] : [r])));
      this.respond(this.terminate(Buffer.concat(joined)));
    }
    this.updateStatus();
  }

  private terminate(reply: string | Buffer): Buffer {
    const body = typeof reply === 'string' ? Buffer.from(reply, 'latin1') : reply;
    return Buffer.concat([body, Buffer.from(this.definition.terminator ?? '\n', 'latin1')]);
  }

  private dispatch(header: string, ctx: UnitContext): Reply {
    if (header.startsWith('*')) return this.common(header.toUpperCase(), ctx);
    const query = header.endsWith('?');
    const nodes = (query ? header.slice(0, -1) : header).split(':').filter(Boolean);
    for (const entry of this.table)
      if (entry.query === query && matchNodes(entry.nodes, nodes))
        return entry.run(this as unknown as Self, ctx);
    if (query && /^SYST(EM)?:ERR(OR)?(:NEXT)?$/i.test(header.slice(0, -1))) return this.nextError();
    throw new ScpiError(-113, 'Undefined header');
  }

  /** `SYSTem:ERRor?`: oldest error, or the definition's "no error" text. */
  protected nextError(): string {
    const e = this.errors.shift();
    this.updateStatus();
    if (!e) return this.definition.noError ?? '+0,"No error"';
    return `${e[0]},"${e[1]}"`;
  }

  private common(header: string, { args }: UnitContext): Reply {
    const int = (min: number, max: number) => {
      const v = Math.round(parseNumeric(args[0]));
      if (v < min || v > max) throw new ScpiError(-222, 'Data out of range');
      return v;
    };
    switch (header) {
      case '*IDN?':
        return this.definition.idn;
      case '*RST':
        this.resetProperties();
        this.onReset();
        return;
      case '*CLS':
        this.esr = 0;
        this.errors.length = 0;
        this.updateStatus();
        return;
      case '*ESE':
        this.ese = int(0, 255);
        this.updateStatus();
        return;
      case '*ESE?':
        return String(this.ese);
      case '*ESR?': {
        const v = this.esr;
        this.esr = 0;
        this.updateStatus();
        return String(v);
      }
      case '*SRE':
        this.sre = int(0, 255) & ~64;
        this.updateStatus();
        return;
      case '*SRE?':
        return String(this.sre);
      case '*STB?':
        return String(this.statusByte);
      case '*OPC':
        this.esr |= ESR.OPC;
        this.updateStatus();
        return;
      case '*OPC?':
        return '1';
      case '*WAI':
        return;
      case '*TST?':
        return this.definition.selfTest ?? '+0';
      case '*TRG':
        this.onTrigger();
        return;
      case '*PRE':
        this.pre = int(0, 65535);
        return;
      case '*PRE?':
        return String(this.pre);
      case '*IST?':
        return this.individualStatus() ? '1' : '0';
      case '*OPT?':
        return '0';
      default:
        throw new ScpiError(-113, 'Undefined header');
    }
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

/**
 * Incremental scan of a program message so that NL inside quoted strings or definite-length
 * block data is not taken as the terminator. `feed` returns true when the byte is outside both.
 */
class MessageScanner {
  private quote = 0;
  private digits = -1;
  private lenText = '';
  private remaining = 0;
  private afterHash = false;

  reset(): void {
    this.quote = 0;
    this.digits = -1;
    this.lenText = '';
    this.remaining = 0;
    this.afterHash = false;
  }

  feed(c: number): boolean {
    if (this.remaining > 0) {
      this.remaining--;
      return false;
    }
    if (this.quote) {
      if (c === this.quote) this.quote = 0;
      return false;
    }
    if (this.afterHash) {
      this.afterHash = false;
      if (c >= 0x31 && c <= 0x39) {
        this.digits = c - 0x30;
        this.lenText = '';
        return false;
      }
    }
    if (this.digits > 0) {
      this.lenText += String.fromCharCode(c);
      if (this.lenText.length === this.digits) {
        this.digits = -1;
        this.remaining = Number(this.lenText) || 0;
      }
      return false;
    }
    if (c === 0x22 || c === 0x27) this.quote = c;
    else if (c === 0x23) this.afterHash = true;
    return true;
  }
}

function defaultFormat(spec: PropertySpec): (v: number | string) => string {
  switch (spec.type) {
    case 'float':
      return (v) => formatNr3(Number(v));
    case 'bool':
      return (v) => (v ? '1' : '0');
    case 'string':
      return (v) => `"${v}"`;
    default:
      return (v) => String(v);
  }
}

function parseProperty(spec: PropertySpec, arg: string | undefined): number | string {
  switch (spec.type) {
    case 'choice':
      return parseChoice(arg, spec.choices ?? []);
    case 'bool':
      return parseBool(arg) ? 1 : 0;
    case 'string':
      if (arg === undefined) throw new ScpiError(-109, 'Missing parameter');
      return arg.replace(/^["']|["']$/g, '');
    default: {
      let v = parseNumeric(arg, { min: spec.min, max: spec.max, def: Number(spec.default) });
      if (spec.type === 'int') v = Math.round(v);
      if ((spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max)) {
        const [code, msg] = spec.rangeError ?? [-222, 'Data out of range'];
        throw new ScpiError(code, msg);
      }
      return v;
    }
  }
}
