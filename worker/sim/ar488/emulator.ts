import { GpibBus, type GpibAddress, type SimGpibDevice } from '../gpib-bus.js';
import {
  type AdapterContext,
  type AdapterState,
  type ReadOptions,
  atoi,
  runCommand,
} from './commands.js';
import { type FaultOptions, LinkShaper, resolveFaults } from './faults.js';
import { LineParser, type ParsedLine } from './line-parser.js';
import {
  type Ar488Config,
  type FirmwareProfile,
  type FirmwareProfileName,
  firmwareProfile,
} from './profiles.js';

/** Re-exported so `emulator.ts` carries the whole public surface named in the design. */
export type { FirmwareProfileName } from './profiles.js';
/** Re-exported fault knobs (see faults.ts). */
export type { FaultOptions } from './faults.js';

/** How the emulator is built: firmware profile, instruments on the bus, fault knobs. */
export interface EmulatorOptions {
  profile: FirmwareProfileName;
  /** Instruments; `secondary` is 0–30 or the SAD byte 96–126. */
  instruments: Array<{ address: number; secondary?: number; device: SimGpibDevice }>;
  faults?: Partial<FaultOptions>;
}

/** One executed input line, for transcript assertions. */
export interface LogEntry {
  kind: 'command' | 'data';
  /** The line as latin1 text (commands keep their `++`). */
  text: string;
  /** The line's bytes after unescaping, without the terminator. */
  bytes: Buffer; /** When the line was executed (performance.now()), to see how transactions overlap in time. */
  at: number;
}

/** Thrown inside the firmware loop when a reboot or close abandons the running command. */
class Aborted extends Error {}

const CR = 0x0d;
const LF = 0x0a;
const ESC = 0x1b;

const freshState = (): AdapterState => ({
  autoRead: false,
  lastReadEoi: false,
  lastReadEndByte: undefined,
  srqAuto: false,
  verbose: false,
  lon: false,
  ton: 0,
  prom: false,
});

/**
 * An emulated AR488 (or Prologix) GPIB adapter. Bytes from the host go through the firmware's
 * line parser into its main loop, which runs one line at a time: `++` commands from the table in
 * commands.ts, data lines to the simulated bus. A GPIB read blocks the loop (TL) while host input
 * waits in the UART buffer; on the ESP32 profile a complete line aborts an EOI read (§1.5).
 */
export class Ar488Emulator {
  /** The firmware profile in use. */
  readonly profile: FirmwareProfile;
  /** The simulated GPIB bus with the instruments. */
  readonly bus = new GpibBus();
  /** Fault knobs in force. */
  readonly faults: FaultOptions;
  /** Host bytes dropped because the UART buffer was full (`rxBufferBytes`). */
  droppedRxBytes = 0;
  private readonly cfg: Ar488Config;
  private eeprom: Ar488Config | undefined;
  private writes = 0;
  private readonly entries: LogEntry[] = [];
  private readonly parser: LineParser;
  private fifo: number[] = [];
  private pendingLine: ParsedLine | undefined;
  private state = freshState();
  private readonly outputListeners = new Set<(bytes: Buffer) => void>();
  private readonly dropListeners = new Set<() => void>();
  private readonly tx: LinkShaper;
  private readonly rx: LinkShaper;
  private readonly ctx: AdapterContext;
  private generation = 0;
  private busy = false;
  private booting = false;
  private closed = false;
  private chunking = false;
  private linkKind: 'serial' | 'tcp' = 'serial';
  private wakeup: (() => void) | undefined;
  private bootTimer: NodeJS.Timeout | undefined;
  private dropTimer: NodeJS.Timeout | undefined;
  private readonly stopSrq: () => void;

  constructor(options: EmulatorOptions) {
    this.profile = firmwareProfile(options.profile);
    this.faults = resolveFaults(options.faults);
    for (const { address, secondary, device } of options.instruments) {
      const sad =
        secondary === undefined ? undefined : secondary >= 96 ? secondary - 96 : secondary;
      this.bus.attach(device, address, sad);
      const delay = this.faults.instrumentDelayMs[address];
      if (delay && 'delayMs' in device) (device as { delayMs: number }).delayMs = delay;
    }
    this.parser = new LineParser(this.profile);
    this.cfg = { ...this.profile.defaults };
    this.tx = new LinkShaper(
      { baud: this.faults.baud, byteAtATime: this.faults.byteAtATime },
      (b) => {
        for (const l of this.outputListeners) l(b);
      },
    );
    this.rx = new LinkShaper({ baud: this.faults.baud, byteAtATime: false }, (b) =>
      this.deliver(b),
    );
    this.ctx = this.context();
    this.stopSrq = this.bus.onSrq(() => this.wake());
    this.powerOn();
    void this.loop(this.generation);
  }

  /** Bytes arriving from the host over the link, in whatever fragments the link delivers. */
  receive(bytes: Buffer): void {
    if (!this.closed) this.rx.push(bytes);
  }

  /** Subscribe to bytes going to the host. Returns an unsubscribe function. */
  onOutput(listener: (bytes: Buffer) => void): () => void {
    this.outputListeners.add(listener);
    return () => this.outputListeners.delete(listener);
  }

  /** Subscribe to link drops (`++rst`, `reboot()`, `dropAfterMs`): a TCP front end closes then. */
  onLinkDrop(listener: () => void): () => void {
    this.dropListeners.add(listener);
    return () => this.dropListeners.delete(listener);
  }

  /** Which kind of link the host is on: WiFi/TCP sees no boot chatter and drops on reboot. */
  setLinkKind(kind: 'serial' | 'tcp'): void {
    this.linkKind = kind;
  }

  /** The host link opened (TCP accept, or the serial port was opened: see pty notes). */
  hostConnected(): void {
    const reset = this.faults.resetOnOpen;
    if (reset) {
      const chatter =
        reset.chatter === true || reset.chatter === undefined
          ? this.profile.bootChatter
          : reset.chatter === false
            ? ''
            : reset.chatter;
      this.restart(reset.bootMs, chatter);
    }
    clearTimeout(this.dropTimer);
    if (this.faults.dropAfterMs > 0)
      this.dropTimer = setTimeout(() => this.reboot(), this.faults.dropAfterMs);
  }

  /** The host link closed. */
  hostDisconnected(): void {
    clearTimeout(this.dropTimer);
    this.dropTimer = undefined;
  }

  /** Power-cycle: unsaved settings are lost (config reloads from the emulated EEPROM). */
  reboot(): void {
    if (this.closed) return;
    clearTimeout(this.dropTimer);
    this.dropTimer = undefined;
    for (const l of [...this.dropListeners]) l();
    this.restart(this.faults.rebootMs ?? this.profile.rebootMs, this.profile.bootChatter);
  }

  /** How many times ++savecfg wrote the EEPROM — a driver must never cause this. */
  get eepromWrites(): number {
    return this.writes;
  }

  /** Every line the adapter executed (commands and data lines), for transcript assertions. */
  get log(): ReadonlyArray<LogEntry> {
    return this.entries;
  }

  /** The live configuration (read-only view, for tests and diagnostics). */
  get config(): Readonly<Ar488Config> {
    return this.cfg;
  }

  /** What `++savecfg` last wrote, if anything. */
  get savedConfig(): Readonly<Ar488Config> | undefined {
    return this.eeprom;
  }

  /**
   * Resolves once the adapter has nothing left to do: input parsed and executed, reads finished,
   * output delivered, not booting. For tests and test beds; never resolves while `++auto 3`
   * keeps reading or `++srqauto` keeps polling, so it gives up after `timeoutMs` (rejects).
   */
  async idle(timeoutMs = 5000): Promise<void> {
    const until = performance.now() + timeoutMs;
    for (;;) {
      const quiet =
        !this.busy &&
        !this.pendingLine &&
        !this.booting &&
        this.fifo.length === 0 &&
        this.tx.pending === 0 &&
        this.rx.pending === 0 &&
        this.wakeup !== undefined;
      if (quiet || this.closed) return;
      if (performance.now() > until)
        throw new Error(`AR488 emulator still busy after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  /** Stop everything: timers, the firmware loop, the link. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.generation++;
    clearTimeout(this.bootTimer);
    clearTimeout(this.dropTimer);
    this.tx.clear();
    this.rx.clear();
    this.stopSrq();
    this.wake();
    this.outputListeners.clear();
    this.dropListeners.clear();
  }

  // ---- input path -------------------------------------------------------------------------

  /** Bytes off the wire into the UART: parsed at once while idle, buffered while busy. */
  private deliver(bytes: Buffer): void {
    if (this.closed || this.booting) return;
    const cap = this.faults.rxBufferBytes;
    for (const b of bytes) {
      if (!this.busy && !this.pendingLine && this.fifo.length === 0) {
        const line = this.parser.feed(b);
        if (line) this.accept(line);
      } else if (cap > 0 && this.fifo.length >= cap) {
        // AVR UART: a full 64-byte RX buffer drops what arrives (issues AR488#12, #23).
        this.droppedRxBytes++;
      } else {
        this.fifo.push(b);
      }
    }
  }

  /** `serialIn_h()`: parse buffered bytes until a line is complete or none are left. */
  private drain(): void {
    let i = 0;
    while (i < this.fifo.length && !this.pendingLine) {
      const line = this.parser.feed(this.fifo[i++]);
      if (line) this.accept(line);
    }
    this.fifo = i === this.fifo.length ? [] : this.fifo.slice(i);
  }

  private accept(line: ParsedLine): void {
    if (line.kind === 'empty') {
      if (this.ctx.verbose && this.profile.family === 'twilight') this.write('\r\n> ');
      return;
    }
    if (line.kind === 'overflow') {
      if (this.ctx.verbose) this.write('ERROR - Command buffer overflow!\r\n');
      return;
    }
    this.pendingLine = line;
    this.busy = true;
    this.wake();
  }

  private wake(): void {
    const w = this.wakeup;
    this.wakeup = undefined;
    w?.();
  }

  // ---- the firmware main loop -------------------------------------------------------------

  private async loop(gen: number): Promise<void> {
    const alive = () => gen === this.generation && !this.closed;
    try {
      while (alive()) {
        if (this.pendingLine) {
          const line = this.pendingLine;
          this.pendingLine = undefined;
          try {
            await this.execute(line);
          } catch (err) {
            if (err instanceof Aborted) throw err;
            // A bug in a simulated instrument must not take the whole simulated lab down.
            console.error('ar488 sim: error while executing a line:', err);
          }
        } else if (this.state.autoRead && this.cfg.amode === 3 && this.cfg.cmode === 2) {
          // ++auto 3: keep reading until the next ++ command (TL loop(), DD loop()).
          this.busy = true;
          await this.readBus({ eoi: this.state.lastReadEoi, endByte: this.state.lastReadEndByte });
        } else if (
          this.state.srqAuto &&
          this.profile.srqAutoInLoop &&
          this.cfg.cmode === 2 &&
          this.bus.srq
        ) {
          // loop(): `if (isSrqa && SRQ asserted) spoll_h(NULL)`: polls ++addr, prints unsolicited.
          this.busy = true;
          const v = await this.pollOne({ pad: this.cfg.paddr });
          if (v !== undefined) this.ctx.println(v);
          await this.sleep(5);
        } else {
          await new Promise<void>((resolve) => (this.wakeup = resolve));
          continue;
        }
        if (!alive()) return;
        this.busy = false;
        this.drain();
      }
    } catch (err) {
      if (!(err instanceof Aborted)) throw err;
    }
  }

  private async execute(line: ParsedLine): Promise<void> {
    const gen = this.generation;
    if (this.faults.latencyMs > 0) await this.sleep(this.faults.latencyMs);
    if (line.kind === 'command' || line.kind === 'break') {
      this.record('command', line.bytes);
      if (this.state.autoRead) {
        // Any ++ command stops ++auto 3 streaming and untalks the device.
        this.state.autoRead = false;
        this.bus.untalk();
        this.bus.unlisten();
      }
      if (line.kind === 'break') return;
      const before = this.profile.saveStyle === 'prologix' ? prologixSaved(this.cfg) : '';
      await runCommand(this.ctx, line.bytes);
      if (gen !== this.generation) return; // ++rst
      if (
        this.profile.saveStyle === 'prologix' &&
        this.cfg.autoSave &&
        prologixSaved(this.cfg) !== before
      )
        this.saveConfig();
      if (this.profile.family === 'douard' ? this.cfg.prompt : this.ctx.verbose) this.write('> ');
      return;
    }
    if (line.kind !== 'data') return;
    this.record('data', line.bytes);
    if (
      !line.bufferFull &&
      this.cfg.idn > 0 &&
      line.bytes.length > 3 &&
      /^\*idn\?/i.test(line.bytes.toString('latin1'))
    ) {
      // isIdnQuery(): the adapter answers `*idn?` itself and sends nothing to the bus.
      if (this.cfg.idn === 1) this.ctx.println(this.cfg.sname);
      else this.ctx.println(`${this.cfg.sname}-${this.cfg.serial}`);
      return;
    }
    if (this.cfg.cmode !== 2) return; // device mode: held until a controller addresses us
    await this.sendToInstrument(line.bytes, line.bufferFull);
    if (this.ctx.verbose && this.profile.family === 'twilight') this.write('> ');
  }

  private record(kind: 'command' | 'data', bytes: Buffer): void {
    this.entries.push({ kind, text: bytes.toString('latin1'), bytes, at: performance.now() });
  }

  /** TL `sendToInstrument()` + loop auto-read: send, then read for `++auto 1`, or 2 on `?`. */
  private async sendToInstrument(data: Buffer, bufferFull: boolean): Promise<void> {
    const query = data[data.length - 1] === 0x3f;
    let bytes = data;
    if (this.faults.oldEscapeDrop && !this.cfg.eoi) {
      // Before 0.51.29 sendData() skipped CR, LF and ESC when ++eoi 0 (issue AR488#45).
      bytes = Buffer.from(data.filter((b) => b !== CR && b !== LF && b !== ESC));
    }
    await this.sendData(bytes, bufferFull);
    if (this.cfg.hflags & 4 && this.profile.errorStyle === 'tl053') this.ctx.println('Send^OK');
    if (this.cfg.amode === 1 || (this.cfg.amode === 2 && query)) {
      // TL: receiveData(dataPort, cfg.eoi, false, 0); DD: the flags of the last ++read;
      // Prologix: read-after-write until EOI or timeout.
      if (this.profile.family === 'twilight') await this.readBus({ eoi: this.cfg.eoi });
      else if (this.profile.family === 'douard')
        await this.readBus({ eoi: this.state.lastReadEoi, endByte: this.state.lastReadEndByte });
      else await this.readBus({ eoi: true });
    }
  }

  /** `GPIBbus::sendData()`: address, bytes + EOS, EOI per profile, unaddress after the last chunk. */
  private async sendData(data: Buffer, bufferFull: boolean, to?: GpibAddress): Promise<void> {
    let listening: boolean;
    if (this.chunking && !to) listening = this.bus.hasListeners;
    else {
      this.bus.unlisten();
      this.bus.untalk();
      listening = this.bus.listen(to ?? this.target());
    }
    const eos = this.cfg.eos;
    const term = [...((eos & 2) === 0 ? [CR] : []), ...((eos & 1) === 0 ? [LF] : [])];
    const bytes = Buffer.concat([data, Buffer.from(term)]);
    const last = !bufferFull;
    const eoiWithByte =
      this.cfg.eoi && !this.profile.lateEoi && (this.profile.eoiOnEveryChunk || last);
    if (!listening) {
      // No listener holds NDAC: the first byte's handshake waits read_tmo_ms and gives up.
      await this.sleep(this.cfg.rtmo);
    } else if (bytes.length > 0) {
      this.bus.write(bytes, eoiWithByte);
      // DD gpibSendData(): EOI as a separate pulse after the last byte (issue AR488#41).
      if (this.profile.lateEoi && this.cfg.eoi && last) this.bus.eoiPulse();
    }
    this.chunking = bufferFull;
    if (last) {
      this.bus.unlisten();
      this.bus.untalk();
    }
  }

  /**
   * `GPIBbus::receiveData()`: address the device to talk and copy its bytes to the host until
   * EOI, the end byte, the `++eor` sequence or a per-byte `read_tmo_ms` timeout. No marker on a
   * timeout; unread output stays in the instrument; the device is untalked afterwards.
   */
  private async readBus(options: ReadOptions): Promise<void> {
    const { cfg, profile } = this;
    const withEoi =
      options.eoi || (profile.eoiConfigEndsReads && cfg.eoi) || (profile.hasEor && cfg.eor === 7);
    const trackEoi = withEoi || !profile.hasEor;
    const eor = cfg.eor & 7;
    this.bus.unlisten();
    this.bus.untalk();
    this.bus.talk(options.from ?? this.target());
    const out: number[] = [];
    const flush = () => {
      if (out.length > 0) this.write(Buffer.from(out));
      out.length = 0;
    };
    const tail = [0, 0, 0];
    let eoiSeen = false;
    let count = 0;
    let timedOut = false;
    for (;;) {
      let b = this.bus.read();
      if (!b) {
        flush();
        const gen = this.generation;
        b = await this.bus.readByte(cfg.rtmo);
        if (gen !== this.generation || this.closed) throw new Aborted();
      }
      if (!b) {
        timedOut = true;
        break;
      }
      if (profile.readAbortsOnInput && (withEoi || cfg.amode === 3)) {
        // DD gpibReceiveData(): serialIn_h() after every byte; a complete line breaks the read
        // before this byte is printed, and stops ++auto 3.
        this.drain();
        if (this.pendingLine) {
          this.state.autoRead = false;
          break;
        }
      }
      out.push(b.byte);
      count++;
      tail[2] = tail[1];
      tail[1] = tail[0];
      tail[0] = b.byte;
      if (trackEoi && b.end) {
        eoiSeen = true;
        if (withEoi) break;
      }
      if (!withEoi) {
        if (options.endByte !== undefined) {
          if (b.byte === options.endByte) break;
        } else if (profile.hasEor && terminatorSeen(tail, eor)) break;
      }
      if (out.length >= 512) flush();
    }
    flush();
    if (eoiSeen && cfg.eotEnable) this.write(Buffer.from([cfg.eotChar]));
    this.bus.untalk();
    this.bus.unlisten();
    if (timedOut && this.ctx.verbose)
      this.ctx.println(
        profile.family === 'douard' ? 'Timeout waiting for sender!' : 'Error while receiving data.',
      );
    if (cfg.hflags & 2 && profile.errorStyle === 'tl053') this.ctx.println('Read^OK');
    if (count > 0 && this.faults.staleBytes !== undefined)
      this.write(Buffer.from(this.faults.staleBytes));
  }

  /** Serial poll one address: the byte, or undefined after waiting read_tmo_ms for DAV. */
  private async pollOne(addr: GpibAddress): Promise<number | undefined> {
    this.bus.unlisten();
    this.bus.untalk();
    const v = this.bus.serialPoll(addr);
    if (v === undefined) await this.sleep(this.cfg.rtmo);
    return v;
  }

  private target(): GpibAddress {
    const s = this.cfg.saddr;
    const sad = this.profile.secondaryOnBus && s >= 0x60 && s <= 0x7e ? s - 0x60 : undefined;
    return { pad: this.cfg.paddr, sad };
  }

  private async sleep(ms: number): Promise<void> {
    const gen = this.generation;
    if (ms > 0) await new Promise((r) => setTimeout(r, ms));
    if (gen !== this.generation || this.closed) throw new Aborted();
  }

  private write(data: string | Buffer): void {
    this.tx.push(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  // ---- configuration, EEPROM, boot ---------------------------------------------------------

  private saveConfig(): void {
    this.eeprom = { ...this.cfg, verbose: this.profile.verboseInNvs ? this.cfg.verbose : false };
    this.writes++;
  }

  private powerOn(): void {
    Object.assign(this.cfg, this.eeprom ?? this.profile.defaults);
    if (this.cfg.cmode === 2) this.startControllerMode();
    else this.startDeviceMode();
  }

  /** TL `startControllerMode()`: sendAllClear (REN toggle), IFC, REN asserted. */
  private startControllerMode(): void {
    this.cfg.cmode = 2;
    this.bus.setRen(false);
    this.bus.setRen(true);
    this.bus.ifc();
  }

  /** TL `startDeviceMode()`: control lines released (REN too). */
  private startDeviceMode(): void {
    this.cfg.cmode = 1;
    this.state.autoRead = false;
    this.bus.untalk();
    this.bus.unlisten();
    this.bus.setRen(false);
  }

  /** Reset the MCU: lose buffers and runtime state, reload config, ignore input while booting. */
  private restart(bootMs: number, chatter: string): void {
    this.generation++;
    this.wake();
    clearTimeout(this.bootTimer);
    this.tx.clear();
    this.rx.clear();
    this.parser.reset();
    this.fifo = [];
    this.pendingLine = undefined;
    this.busy = false;
    this.chunking = false;
    this.state = freshState();
    this.bus.untalk();
    this.bus.unlisten();
    this.powerOn();
    this.booting = true;
    if (chatter && this.linkKind === 'serial') this.write(chatter);
    const done = () => {
      this.booting = false;
      if (this.cfg.hflags & 1 && this.profile.errorStyle === 'tl053') this.write('AR488~RDY');
      void this.loop(this.generation);
    };
    if (bootMs > 0) this.bootTimer = setTimeout(done, bootMs);
    else done();
  }

  /** The AdapterContext the command handlers see. */
  private context(): AdapterContext {
    const self = this;
    return {
      get profile() {
        return self.profile;
      },
      get cfg() {
        return self.cfg;
      },
      get bus() {
        return self.bus;
      },
      get state() {
        return self.state;
      },
      get onSerialLink() {
        return self.linkKind === 'serial';
      },
      get verbose() {
        return self.profile.verboseInNvs ? self.cfg.verbose : self.state.verbose;
      },
      set verbose(v: boolean) {
        if (self.profile.verboseInNvs) self.cfg.verbose = v;
        else self.state.verbose = v;
      },
      print: (data) => self.write(data),
      println: (data) => self.write(`${data ?? ''}\r\n`),
      errBadCmd: () => self.write('Unrecognized command\r\n'),
      errorMsg(code) {
        if (self.profile.errorStyle !== 'tl053') return this.errBadCmd();
        self.write(
          `${['', 'Missing parameter', 'Invalid parameter', 'Transmit failed!'][code]}\r\n`,
        );
      },
      numberInRange(param, low, high) {
        if (param === undefined || param.length === 0) return undefined;
        if (self.profile.errorStyle === 'tl053') {
          // TL-0.53 notInRange(): non-numeric → silently "not in range"; out of range → message.
          if (!/^\d+$/.test(param.trim())) return undefined;
          const v = Number(param.trim());
          if (v < low || v > high) {
            this.errorMsg(2);
            return undefined;
          }
          return v;
        }
        // TL-0.51/DD: rval = atoi(param) into a uint16_t, so `++eos x` quietly sets 0.
        const v = atoi(param) & 0xffff;
        if (v < low || v > high) {
          this.errBadCmd();
          if (this.verbose) this.println(`Valid range is between ${low} and ${high}`);
          return undefined;
        }
        return v;
      },
      sleep: (ms) => self.sleep(ms),
      receive: (options) => self.readBus(options),
      sendData: (data, bufferFull, to) => self.sendData(data, bufferFull, to),
      pollOne: (addr) => self.pollOne(addr),
      target: () => self.target(),
      saveConfig: () => self.saveConfig(),
      resetConfig(fromSaved) {
        if (fromSaved) {
          // DD default_h() calls initConfig(): defaults, then whatever NVS holds, then re-init.
          Object.assign(self.cfg, self.eeprom ?? self.profile.defaults);
          if (self.cfg.cmode === 2) self.startControllerMode();
          else self.startDeviceMode();
        } else Object.assign(self.cfg, self.profile.defaults);
      },
      reboot: () => self.reboot(),
      startControllerMode: () => self.startControllerMode(),
      startDeviceMode: () => self.startDeviceMode(),
    };
  }
}

/** The settings Prologix auto-saves (manual §8.16 `savecfg`). */
function prologixSaved(cfg: Ar488Config): string {
  return JSON.stringify([
    cfg.paddr,
    cfg.saddr,
    cfg.amode,
    cfg.eoi,
    cfg.eos,
    cfg.eotEnable,
    cfg.eotChar,
    cfg.cmode,
    cfg.rtmo,
  ]);
}

/** TL/DD `isTerminatorDetected()`: the `++eor` sequences; `tail[0]` is the newest byte. */
function terminatorSeen(tail: number[], eor: number): boolean {
  switch (eor) {
    case 1:
      return tail[0] === CR;
    case 2:
      return tail[0] === LF;
    case 3:
      return false;
    case 4:
      return tail[0] === CR && tail[1] === LF;
    case 5:
      return tail[0] === 0x03;
    case 6:
      return tail[0] === 0x03 && tail[1] === LF && tail[2] === CR;
    default:
      return tail[0] === LF && tail[1] === CR;
  }
}
