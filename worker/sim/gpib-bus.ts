/**
 * The simulated IEEE 488.1 bus between the emulated AR488 (always the controller, address 0) and
 * simulated instruments. It models what the adapter firmware can observe through its pins:
 * addressing (LAD/TAD/SAD, UNL/UNT), data bytes with END (EOI on the last byte), the addressed and
 * universal commands (SDC, DCL, GET, LLO, GTL), IFC and REN, SRQ as the OR of the devices' RQS,
 * serial and parallel poll, and whether a listener answers (NDAC) for `++findlstn`/`++fndl`.
 * Handshake timing is not modelled byte by byte; the adapter applies `read_tmo_ms` itself.
 */

/** One byte put on the bus by the talker; `end` is true when EOI was asserted with it. */
export interface TalkByte {
  byte: number;
  end: boolean;
}

/** IEEE 488.1 remote/local state of a device (RL1 subset): LOCS, REMS, LWLS, RWLS. */
export type RemoteState = 'local' | 'remote' | 'local-lockout' | 'remote-lockout';

/**
 * What the bus needs from a simulated instrument. Addressing is the bus's business; a device only
 * sees the messages meant for it.
 */
export interface SimGpibDevice {
  /** Called once when the device is put on a bus; `notify` says output or SRQ changed. */
  attach(notify: () => void): void;
  /** Data bytes received as a listener; `end` is true when the last byte carried EOI (END). */
  listen(data: Buffer, end: boolean): void;
  /**
   * EOI pulsed on its own after the last data byte (DD-ESP32 `gpibSendData()` late EOI, issue
   * Twilight-Logic/AR488#41). 488.1 END needs EOI *with* a byte, so most devices ignore it.
   */
  lateEoi(): void;
  /** The controller addressed this device to talk (MTA) and is about to read. */
  talkAddressed(): void;
  /** The next output byte, or undefined when nothing is ready (the reader keeps waiting). */
  talk(): TalkByte | undefined;
  /** Serial poll response (bit 6 = RQS); a serial poll clears RQS. */
  serialPoll(): number;
  /** True while the device asserts SRQ. */
  readonly srq: boolean;
  /** SDC (addressed) or DCL (universal). */
  deviceClear(): void;
  /** GET, group execute trigger. */
  trigger(): void;
  /** IFC: the interface functions return to idle. */
  interfaceClear(): void;
  /** Remote/local state changed (REN, LLO, GTL, addressing with REN asserted). */
  remoteChanged(state: RemoteState): void;
  /** Parallel poll response: the DIO bit mask this device drives, or 0. */
  parallelPoll(): number;
}

interface Slot {
  pad: number;
  sad: number | undefined;
  device: SimGpibDevice;
  remote: RemoteState;
}

/** Address spec: primary 0–30, optional secondary 0–30 (the 0x60-based SAD minus 0x60). */
export interface GpibAddress {
  pad: number;
  sad?: number;
}

/** The simulated bus. One instance per emulated adapter. */
export class GpibBus {
  private readonly slots: Slot[] = [];
  private listeners: Slot[] = [];
  private talker: Slot | undefined;
  private renAsserted = false;
  private lockout = false;
  private readonly waiters = new Set<() => void>();
  private readonly srqListeners = new Set<(asserted: boolean) => void>();
  private lastSrq = false;
  private checkScheduled = false;

  /** Puts a device on the bus at `pad` (0–30) and optional secondary `sad` (0–30). */
  attach(device: SimGpibDevice, pad: number, sad?: number): void {
    if (!Number.isInteger(pad) || pad < 0 || pad > 30) throw new Error(`bad GPIB address ${pad}`);
    if (sad !== undefined && (!Number.isInteger(sad) || sad < 0 || sad > 30))
      throw new Error(`bad GPIB secondary address ${sad}`);
    if (this.slots.some((s) => s.pad === pad && s.sad === sad))
      throw new Error(`GPIB address ${pad}${sad === undefined ? '' : `:${sad}`} is already taken`);
    const slot: Slot = { pad, sad, device, remote: 'local' };
    this.slots.push(slot);
    device.attach(() => this.changed());
  }

  /** The devices on the bus, for diagnostics. */
  devices(): ReadonlyArray<{ pad: number; sad: number | undefined; device: SimGpibDevice }> {
    return this.slots;
  }

  /** True when any device is connected (command bytes under ATN are then handshaken). */
  get populated(): boolean {
    return this.slots.length > 0;
  }

  /** SRQ line: the OR of every device's RQS. */
  get srq(): boolean {
    return this.slots.some((s) => s.device.srq);
  }

  /** REN line state as driven by the controller. */
  get ren(): boolean {
    return this.renAsserted;
  }

  /** Subscribe to SRQ edges. Returns an unsubscribe function. */
  onSrq(listener: (asserted: boolean) => void): () => void {
    this.srqListeners.add(listener);
    return () => this.srqListeners.delete(listener);
  }

  /** Remote/local state of the device at an address, for tests and diagnostics. */
  remoteState(pad: number, sad?: number): RemoteState | undefined {
    return this.slots.find((s) => s.pad === pad && s.sad === sad)?.remote;
  }

  /** Drive REN. Releasing it returns every device to local and cancels local lockout (488.1). */
  setRen(asserted: boolean): void {
    this.renAsserted = asserted;
    if (!asserted) {
      this.lockout = false;
      for (const s of this.slots) this.setRemote(s, 'local');
    }
  }

  /** IFC pulse: every device is unaddressed. */
  ifc(): void {
    this.listeners = [];
    this.talker = undefined;
    for (const s of this.slots) s.device.interfaceClear();
  }

  /** UNL. */
  unlisten(): void {
    this.listeners = [];
  }

  /** UNT. */
  untalk(): void {
    this.talker = undefined;
  }

  /**
   * LAD [+ SAD]: adds the matching device to the listeners. A device with a secondary address
   * only answers when its SAD follows; a primary-only device ignores a SAD. Returns whether a
   * device is now listening (what NDAC would show).
   */
  listen(addr: GpibAddress): boolean {
    const slot = this.match(addr);
    if (!slot) return false;
    if (!this.listeners.includes(slot)) this.listeners.push(slot);
    // 488.1 RL: a device addressed to listen while REN is true goes remote.
    if (this.renAsserted) this.setRemote(slot, this.lockout ? 'remote-lockout' : 'remote');
    return true;
  }

  /** TAD [+ SAD]: makes the matching device the talker. Returns whether one answered. */
  talk(addr: GpibAddress): boolean {
    this.talker = this.match(addr);
    if (!this.talker) return false;
    this.talker.device.talkAddressed();
    return true;
  }

  /** True when some device is addressed to listen. */
  get hasListeners(): boolean {
    return this.listeners.length > 0;
  }

  /** Data bytes to the current listeners, with END on the last byte when `end`. */
  write(data: Buffer, end: boolean): boolean {
    if (this.listeners.length === 0) return false;
    for (const s of this.listeners) s.device.listen(data, end);
    return true;
  }

  /** EOI pulsed alone after the data (DD-ESP32). */
  eoiPulse(): void {
    for (const s of this.listeners) s.device.lateEoi();
  }

  /** The talker's next byte, if one is ready. */
  read(): TalkByte | undefined {
    return this.talker?.device.talk();
  }

  /** True while a device is addressed to talk. */
  get hasTalker(): boolean {
    return this.talker !== undefined;
  }

  /**
   * Waits up to `timeoutMs` for the talker's next byte (the adapter's per-byte `read_tmo_ms`).
   * Resolves undefined on timeout, or at once when no device is addressed to talk but the wait
   * still lasts the full timeout, as the DAV handshake would.
   */
  async readByte(timeoutMs: number): Promise<TalkByte | undefined> {
    const first = this.read();
    if (first) return first;
    return new Promise((resolve) => {
      let done = false;
      const finish = (value: TalkByte | undefined) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(value);
      };
      const check = () => {
        const b = this.read();
        if (b) finish(b);
      };
      const timer = setTimeout(() => finish(undefined), timeoutMs);
      this.waiters.add(check);
    });
  }

  /** SDC to the current listeners. */
  selectedDeviceClear(): void {
    for (const s of this.listeners) s.device.deviceClear();
  }

  /** GET to the current listeners. */
  groupExecuteTrigger(): void {
    for (const s of this.listeners) s.device.trigger();
  }

  /** GTL to the current listeners. */
  goToLocal(): void {
    for (const s of this.listeners) this.setRemote(s, this.lockout ? 'local-lockout' : 'local');
  }

  /** DCL: universal device clear. */
  deviceClearAll(): void {
    for (const s of this.slots) s.device.deviceClear();
  }

  /**
   * LLO (universal). Devices enter lockout; those already remote go to RWLS. Only meaningful
   * while REN is asserted, which the adapter checks before sending it (TL/DD `llo_h`).
   */
  localLockout(): void {
    this.lockout = true;
    for (const s of this.slots)
      this.setRemote(
        s,
        s.remote === 'remote' || s.remote === 'remote-lockout' ? 'remote-lockout' : 'local-lockout',
      );
  }

  /**
   * Serial poll of one primary address (SPE, TAD, read one byte, SPD). Undefined when no device
   * answers: the adapter then waits `read_tmo_ms` for DAV, which is its business.
   */
  serialPoll(addr: GpibAddress): number | undefined {
    const slot = this.match(addr);
    if (!slot) return undefined;
    return slot.device.serialPoll() & 0xff;
  }

  /** Parallel poll: ATN+EOI, read DIO without handshake. The OR of every device's response. */
  parallelPoll(): number {
    let value = 0;
    for (const s of this.slots) value |= s.device.parallelPoll() & 0xff;
    return value;
  }

  /** Whether a device listens at an address (ADDRESS + NDAC check of `++findlstn`/`++fndl`). */
  hasListenerAt(addr: GpibAddress): boolean {
    return this.match(addr) !== undefined;
  }

  private match(addr: GpibAddress): Slot | undefined {
    return this.slots.find(
      (s) => s.pad === addr.pad && (s.sad === undefined || s.sad === addr.sad),
    );
  }

  private setRemote(slot: Slot, state: RemoteState): void {
    if (slot.remote === state) return;
    slot.remote = state;
    slot.device.remoteChanged(state);
  }

  private changed(): void {
    // Deferred: a device signals from inside talk(), which the waiters would call again.
    if (this.waiters.size > 0 && !this.checkScheduled) {
      this.checkScheduled = true;
      queueMicrotask(() => {
        this.checkScheduled = false;
        for (const w of [...this.waiters]) w();
      });
    }
    const srq = this.srq;
    if (srq !== this.lastSrq) {
      this.lastSrq = srq;
      for (const l of this.srqListeners) l(srq);
    }
  }
}
