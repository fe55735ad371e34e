import type { Logger } from '../../protocol/index.js';
import { describeTransport, type BridgeConfig } from './bridge-config.js';
import {
  BridgeInitError,
  ConnectionError,
  GpibError,
  InstrumentError,
  TimeoutError,
  type GpibContext,
} from './errors.js';
import { escapeData, printable } from './escape.js';
import { parseVersion, type FirmwareInfo, type ListenerSearch } from './firmware.js';
import type { BlockHeader } from './ieee-block.js';
import { InputBuffer, ReplyFramer, lineFramer, type ReadEnd } from './input-buffer.js';
import type { Link } from './links/link.js';
import { Mutex } from './mutex.js';

/** A GPIB device address: primary 1–30, optional secondary 0–30 (sent as 96–126). */
export interface GpibAddress {
  primary: number;
  secondary?: number;
}

/** Whether the bridge can take transactions. */
export type BridgeState = 'disconnected' | 'connecting' | 'connected' | 'reconnecting';

/** The lines one transaction put on the link, as sent (escapes shown as \xNN), without CR LF. */
export type Wire = string[];

/** A reply read with `++read eoi`. */
export interface Reply {
  bytes: Buffer;
  /** The reply as text, its final CR/LF removed. */
  text: string;
  /** Set when the reply was an IEEE 488.2 definite-length block. */
  block?: BlockHeader;
  wire: Wire;
  elapsedMs: number;
}

const CRLF = Buffer.from('\r\n');

/**
 * One AR488 bridge: its link, its init sequence, the cached `++addr`, and one transaction at a
 * time. Every line ends in CR LF (the ESP32 fork executes on CR only and ignores LF; Twilight
 * executes on CR and ignores the then-empty LF line), every data byte that could end a line or
 * start a command is escaped, reads are `++read eoi`, and nothing is sent while a read is
 * outstanding (the ESP32 fork aborts a read when a new line arrives).
 */
export class Ar488Bridge {
  readonly name: string;
  state: BridgeState = 'disconnected';
  firmware: FirmwareInfo | null = null;
  /** How listeners are found; null until probed. */
  listenerSearch: ListenerSearch | null = null;
  currentAddress: GpibAddress | null = null;
  lastError: string | null = null;
  readonly stats = {
    transactions: 0,
    reconnects: 0,
    bytesOut: 0,
    bytesIn: 0,
    staleBytesDiscarded: 0,
  };

  private readonly input = new InputBuffer();
  private readonly mutex = new Mutex();
  private readonly link: Link;
  private lastSendAt = 0;
  private pendingOut: Buffer[] = [];
  private wanted = false;
  private reconnectTimer?: NodeJS.Timeout;
  private connectedWaiters: Array<() => void> = [];
  /** Told of every line sent, as it goes (the safety gate's record of what a write sent). */
  onLine?: (line: string) => void;

  constructor(
    public config: BridgeConfig,
    link: Link,
    private readonly log: Logger,
  ) {
    this.name = config.name;
    this.link = link;
    link.onData((bytes) => {
      this.stats.bytesIn += bytes.length;
      this.input.push(bytes);
    });
    link.onClose((reason) => this.linkDropped(reason));
  }

  /** "bench-a (tcp 192.168.1.50:23)", for messages. */
  get label(): string {
    return `${this.name} (${describeTransport(this.config.transport)})`;
  }

  /** Opens the link and runs the init sequence; see {@link openAndInit}. */
  async connect(): Promise<FirmwareInfo> {
    this.wanted = true;
    clearTimeout(this.reconnectTimer);
    return this.mutex.run(async () => {
      if (this.state === 'connected' && this.link.isOpen) return this.firmware!;
      this.state = 'connecting';
      try {
        const firmware = await this.openAndInit();
        this.lastError = null;
        return firmware;
      } catch (err) {
        this.state = 'disconnected';
        this.lastError = (err as Error).message;
        await this.link.close().catch(() => {});
        throw err;
      }
    });
  }

  /** Closes the link; no reconnect follows. */
  async disconnect(): Promise<void> {
    this.wanted = false;
    clearTimeout(this.reconnectTimer);
    await this.mutex.run(async () => {
      await this.link.close();
      this.state = 'disconnected';
      this.currentAddress = null;
    });
  }

  /**
   * Runs one transaction under the bridge lock once the bridge is connected. While a dropped link
   * is being re-established the transaction waits up to connect_timeout_ms for it.
   */
  async transaction<T>(fn: (wire: Wire) => Promise<T>): Promise<T> {
    if (this.state === 'reconnecting' || this.state === 'connecting') await this.waitConnected();
    return this.mutex.run(async () => {
      if (this.state !== 'connected') {
        throw new ConnectionError(
          this.state === 'disconnected'
            ? `bridge ${this.label} is not connected; call connect_bridge`
            : `bridge ${this.label} is reconnecting (${this.lastError ?? 'link dropped'})`,
          { bridge: this.name },
        );
      }
      this.stats.transactions++;
      const stale = this.input.clear();
      if (stale.length > 0) {
        // Output of an earlier read that arrived late, or a stray byte after EOI (pymeasure #954).
        this.stats.staleBytesDiscarded += stale.length;
        this.log.debug(`${this.name}: discarded stale input`, {
          bytes: printable(stale.subarray(0, 64)),
        });
      }
      try {
        const result = await fn([]);
        await this.flushOut();
        return result;
      } finally {
        // A transaction that failed half-way sends none of what it held back.
        this.pendingOut = [];
      }
    });
  }

  /** Sends `++addr` only when the address differs from the one the adapter holds. */
  async selectAddress(address: GpibAddress, wire: Wire): Promise<void> {
    const current = this.currentAddress;
    if (current && current.primary === address.primary && current.secondary === address.secondary)
      return;
    // ++addr PAD [SAD]: Prologix and the ESP32 fork take the secondary as 96–126; so does TL 0.53.
    const line =
      address.secondary === undefined
        ? `++addr ${address.primary}`
        : `++addr ${address.primary} ${address.secondary + 96}`;
    await this.sendLine(Buffer.from(line), wire);
    this.currentAddress = { ...address };
  }

  /**
   * Refuses data this adapter cannot deliver intact, before anything is sent:
   * - a message longer than the firmware's line buffer (Twilight 128 bytes, the ESP32 fork and
   *   Prologix 256): the firmware would flush it as several separately terminated messages;
   * - byte 0x0A on the ESP32 fork, whose parser drops LF from data even when escaped.
   * The ESP32 fork is known from the firmware hint, or from `++findlstn` having worked.
   */
  checkData(data: Uint8Array, label: string): void {
    const esp32 = this.config.firmware === 'esp32' || this.listenerSearch === 'findlstn';
    const prologix = this.firmware?.family === 'prologix' || this.config.firmware === 'prologix';
    const limit = esp32 || prologix ? 256 : 128;
    if (data.length > limit) {
      throw new GpibError(
        'INVALID_PARAMS',
        `${label} is ${data.length} bytes; bridge ${this.label} buffers ${limit}-byte lines and would ` +
          'send it to the instrument as several separately terminated messages. Split it into ' +
          `commands of at most ${limit} bytes`,
        { bridge: this.name, command: label.slice(0, 80), limit: { line_bytes: limit } },
      );
    }
    if (!esp32 || !data.includes(0x0a)) return;
    const offsets: number[] = [];
    data.forEach((b, i) => b === 0x0a && offsets.length < 8 && offsets.push(i));
    throw new GpibError(
      'INVALID_PARAMS',
      `bridge ${this.label} runs the ESP32 AR488 firmware, which drops byte 0x0A (LF) from data ` +
        `even when escaped; ${label} holds LF at offset ${offsets.join(', ')}. Send it through a ` +
        'Twilight-firmware bridge, or in a form without LF bytes',
      { bridge: this.name, command: label },
    );
  }

  /** Sends a data message to the addressed instrument, escaped so every byte arrives intact. */
  async sendData(data: Uint8Array, wire: Wire): Promise<void> {
    await this.sendLine(escapeData(data), wire);
  }

  /**
   * Sends one line (a `++` command or escaped data) and its CR LF. With no inter-command delay,
   * lines up to the next read go out together in one write (one TCP segment or USB transfer
   * instead of several); nothing ever follows `++read` before its reply is in.
   */
  async sendLine(bytes: Buffer, wire: Wire): Promise<void> {
    const frame = Buffer.concat([bytes, CRLF]);
    const line = printable(bytes);
    wire.push(line);
    this.onLine?.(line);
    this.stats.bytesOut += frame.length;
    if (this.config.interCommandDelayMs === 0) {
      this.pendingOut.push(frame);
      return;
    }
    // inter_command_delay_ms spaces consecutive lines; time spent reading counts toward it.
    const wait = this.lastSendAt + this.config.interCommandDelayMs - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await this.link.write(frame);
    this.lastSendAt = performance.now();
  }

  /** Writes the lines held back by {@link sendLine}. */
  private async flushOut(): Promise<void> {
    if (this.pendingOut.length === 0) return;
    const data = this.pendingOut.length === 1 ? this.pendingOut[0] : Buffer.concat(this.pendingOut);
    this.pendingOut = [];
    await this.link.write(data);
    this.lastSendAt = performance.now();
  }

  /**
   * `++read eoi` and the reply: a block is read to its announced length, text to its final LF,
   * anything else until the adapter stops sending. `timeoutMs` overrides read_timeout_ms.
   */
  async readReply(context: GpibContext, wire: Wire, timeoutMs?: number): Promise<Reply> {
    const started = performance.now();
    await this.sendLine(Buffer.from('++read eoi'), wire);
    await this.flushOut();
    const framer = new ReplyFramer();
    const adapterLimit = this.config.readTmoMs + this.config.linkSlackMs;
    const total = timeoutMs ?? this.config.readTimeoutMs;
    const { bytes, end } = await this.input.read(framer, {
      firstByteMs: adapterLimit,
      inactivityMs: adapterLimit,
      totalMs: total,
      // A block's size is known from its header: at a real baud rate a large one needs longer.
      extendTotalMs: () => (framer.block ? total + this.transferMs(framer.block.length) : total),
    });
    this.checkEnd(end, bytes, framer.block, context, total);
    return {
      bytes,
      text: bytes.toString('latin1').replace(/\r?\n$/, ''),
      block: framer.block,
      wire,
      elapsedMs: performance.now() - started,
    };
  }

  /** Sends a `++` command and reads its one-line reply (empty when none came in time). */
  async commandLine(line: string, wire: Wire, waitMs?: number): Promise<string | null> {
    await this.sendLine(Buffer.from(line), wire);
    return this.readLine(waitMs ?? this.config.readTmoMs + this.config.linkSlackMs, line);
  }

  /** Reads one adapter reply line, without its CR LF; null when nothing came within `limit`. */
  private async readLine(limit: number, during = 'a ++ command'): Promise<string | null> {
    await this.flushOut();
    const { bytes, end } = await this.input.read(lineFramer(), {
      firstByteMs: limit,
      inactivityMs: limit,
      totalMs: Math.max(limit, this.config.readTimeoutMs),
    });
    if (end === 'closed') throw this.dropped(during);
    if (end !== 'complete') return bytes.length === 0 ? null : bytes.toString('latin1').trim();
    return bytes
      .toString('latin1')
      .replace(/\r?\n$/, '')
      .replace(/\r$/, '');
  }

  /** Collects the lines the adapter prints until it is quiet for `listenMs` (`++help`, `++xdiag`…). */
  async collectLines(listenMs: number): Promise<string[]> {
    await this.flushOut();
    const lines: string[] = [];
    for (;;) {
      const { bytes, end } = await this.input.read(lineFramer(), {
        firstByteMs: listenMs,
        inactivityMs: listenMs,
        totalMs: Math.max(listenMs, this.config.readTimeoutMs),
      });
      if (end === 'closed') throw this.dropped('a ++ command');
      if (bytes.length > 0) lines.push(bytes.toString('latin1').replace(/\r?\n$/, ''));
      if (end !== 'complete') return lines;
    }
  }

  /** Applies changed settings to a connected adapter (`++read_tmo_ms`, `++eos`). */
  async applySettings(changed: { readTmoMs?: boolean; eos?: boolean }): Promise<Wire> {
    return this.transaction(async (wire) => {
      if (changed.readTmoMs)
        await this.sendLine(Buffer.from(`++read_tmo_ms ${this.config.readTmoMs}`), wire);
      if (changed.eos) await this.sendLine(Buffer.from(`++eos ${this.config.eos}`), wire);
      return wire;
    });
  }

  /** Time the link needs for `bytes` at the serial baud rate (0 over TCP). */
  transferMs(bytes: number): number {
    const t = this.config.transport;
    return t.kind === 'serial' ? Math.ceil(((bytes * 10) / t.baudRate) * 1000 * 1.5) : 0;
  }

  /**
   * Opens the link and brings the adapter to a known state. A board that resets when its port
   * opens (UNO/Nano/Mega DTR reset, ESP32 boot) ignores input for a while and may print boot
   * chatter, so `++ver` is retried until it answers and then answers the same again after init.
   */
  private async openAndInit(): Promise<FirmwareInfo> {
    await this.link.open();
    await this.link.discardInput();
    this.input.clear();
    this.currentAddress = null;
    const first = await this.handshake();
    let firmware = parseVersion(first);
    if (firmware.family === 'prologix') {
      // An AR488 may pose as Prologix (`++id verstr` for KE5FX tools, AR488 #22); `++ver real`
      // unmasks it. The difference matters: ++savecfg is safe on one and wears the other.
      const real = await this.commandLine('++ver real', [], 1000);
      if (real && /AR488/i.test(real)) firmware = { ...parseVersion(real), version: first };
    }
    const wire: Wire = [];
    for (const [line] of initSequence(this.config, firmware)) {
      await this.sendLine(Buffer.from(line), wire);
    }
    // The confirming ++ver answers after whatever the init lines printed (an adapter without
    // one of the commands says "Unrecognized command"): read up to it.
    await this.sendLine(Buffer.from('++ver'), wire);
    const printed: string[] = [];
    for (let line = await this.readLine(1000); line !== first; line = await this.readLine(1000)) {
      if (line === null || printed.length > wire.length) {
        const got = printed.length ? printed.map((p) => `"${p}"`).join(', ') : 'nothing';
        throw new BridgeInitError(
          `bridge ${this.label} did not confirm its init: sent ${wire.join(' | ')}; ++ver first ` +
            `answered "${first}", then ${got}`,
          { bridge: this.name },
        );
      }
      printed.push(line);
    }
    if (printed.length > 0) {
      this.log.warn(`${this.name}: the adapter answered its init with`, { lines: printed });
    }
    this.firmware = firmware;
    this.listenerSearch = listenerSearchFor(this.config.firmware, this.firmware);
    this.state = 'connected';
    for (const resolve of this.connectedWaiters.splice(0)) resolve();
    this.log.info(`${this.name}: connected`, {
      link: describeTransport(this.config.transport),
      firmware: first,
    });
    return this.firmware;
  }

  /** `++ver` until two quiet answers agree or the start-up window closes. */
  private async handshake(): Promise<string> {
    const until = performance.now() + this.config.startupWindowMs;
    const received: string[] = [];
    while (performance.now() < until) {
      this.input.clear();
      const answer = await this.commandLine('++ver', [], 400);
      if (answer) {
        // Still chattering (boot messages)? Then this line was not our answer.
        const more = await this.input.read(lineFramer(), {
          firstByteMs: 60,
          inactivityMs: 60,
          totalMs: 200,
        });
        if (more.bytes.length === 0) return answer;
        received.push(answer, printable(more.bytes));
      }
      if (received.length > 6) received.splice(0, received.length - 6);
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new BridgeInitError(
      `bridge ${this.label} did not answer ++ver within ${this.config.startupWindowMs} ms ` +
        `(startup_window_ms); ${received.length ? `received: ${received.join(' | ')}` : 'received nothing'}`,
      { bridge: this.name, limit: { startup_window_ms: this.config.startupWindowMs } },
    );
  }

  private checkEnd(
    end: ReadEnd,
    bytes: Buffer,
    block: BlockHeader | undefined,
    context: GpibContext,
    total: number,
  ): void {
    const what = `instrument at address ${context.address} on ${this.name}`;
    const command = context.command ?? 'the command';
    if (end === 'closed') throw this.dropped(command);
    if (end === 'no-response') {
      throw new InstrumentError(
        'TIMEOUT',
        `${what} did not answer ${command} within ${this.config.readTmoMs} ms (++read_tmo_ms; ` +
          `raise read_tmo_ms for slow instruments)`,
        { ...context, bridge: this.name, limit: { read_tmo_ms: this.config.readTmoMs } },
      );
    }
    if (end === 'total-timeout') {
      throw new TimeoutError(
        `${what} was still sending its reply to ${command} after ${total} ms (read_timeout_ms); ` +
          `${bytes.length} bytes arrived`,
        { ...context, bridge: this.name, limit: { read_timeout_ms: total } },
      );
    }
    if (block && bytes.length < block.dataStart + block.length) {
      throw new InstrumentError(
        'DEVICE_ERROR',
        `${what} announced a ${block.length}-byte block in its reply to ${command} but only ` +
          `${Math.max(0, bytes.length - block.dataStart)} bytes arrived before it stopped sending`,
        { ...context, bridge: this.name },
      );
    }
  }

  private dropped(command: string): ConnectionError {
    return new ConnectionError(
      `the link to bridge ${this.label} dropped during ${command}; its outcome is unknown`,
      { bridge: this.name, command },
    );
  }

  private waitConnected(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.config.connectTimeoutMs + this.config.startupWindowMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.connectedWaiters.push(done);
    });
  }

  /** The link ended on its own: reconnect with back-off and re-run init (an ESP32 that rebooted lost its settings). */
  private linkDropped(reason: string): void {
    this.input.linkClosed();
    this.currentAddress = null;
    if (!this.wanted || this.state === 'disconnected') return;
    this.state = 'reconnecting';
    this.lastError = reason;
    this.log.warn(`${this.name}: link dropped; reconnecting`, { reason });
    this.scheduleReconnect(1);
  }

  private scheduleReconnect(attempt: number): void {
    const delay = Math.min(10_000, 250 * 2 ** (attempt - 1));
    this.reconnectTimer = setTimeout(() => {
      void this.mutex
        .run(async () => {
          if (!this.wanted) return;
          try {
            await this.openAndInit();
            this.stats.reconnects++;
            this.lastError = null;
          } catch (err) {
            this.lastError = (err as Error).message;
            await this.link.close().catch(() => {});
            this.log.warn(`${this.name}: reconnect failed`, { attempt, error: this.lastError });
            this.scheduleReconnect(attempt + 1);
          }
        })
        .catch(() => {});
    }, delay);
  }
}

/**
 * The init sequence, one line per setting and why. Never `++savecfg`: on AR488 it writes the
 * EEPROM whatever its argument (TL save_h() takes no parameters), wearing it out.
 */
export function initSequence(
  config: BridgeConfig,
  firmware?: FirmwareInfo,
): Array<[line: string, why: string]> {
  const lines: Array<[line: string, why: string]> = [];
  if (firmware?.family === 'prologix') {
    // Genuine Prologix saves every setting to EEPROM as it changes unless auto-save is off; on
    // Prologix `++savecfg 0` turns it off. (On AR488 the same line writes the EEPROM, so it is
    // sent only to firmware that answered `++ver real` as Prologix.)
    lines.push(['++savecfg 0', 'Prologix: stop auto-saving settings to EEPROM']);
  }
  lines.push(
    ['++mode 1', 'controller mode: this host addresses the instruments'],
    ['++auto 0', 'no read after every write: reads are explicit ++read eoi (auto 1 provokes -420)'],
    ['++eoi 1', 'assert EOI with the last byte written, so instruments see the end of a message'],
    [`++eos ${config.eos}`, 'terminator appended to data for the instruments'],
    ['++eot_enable 0', 'pass GPIB data through unchanged; nothing appended on EOI'],
    [
      `++read_tmo_ms ${config.readTmoMs}`,
      'the adapter gives up on a silent instrument before the host does',
    ],
  );
  // AR488 only: with ++idn 1 or 2 it answers "*idn?" itself instead of the instrument. Prologix
  // has no ++idn (and no such interception).
  if (firmware?.family !== 'prologix') {
    lines.push(['++idn 0', 'the adapter must not answer *IDN? itself on behalf of an instrument']);
  }
  return lines;
}

function listenerSearchFor(
  hint: BridgeConfig['firmware'],
  firmware: FirmwareInfo,
): ListenerSearch | null {
  if (hint === 'esp32') return 'findlstn';
  if (hint === 'prologix') return 'probe';
  if (hint === 'twilight' && firmware.ar488Version) {
    const [major, minor] = firmware.ar488Version.split('.').map(Number);
    return major > 0 || minor >= 53 ? 'fndl' : 'probe';
  }
  return null;
}
