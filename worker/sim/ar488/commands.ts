import type { GpibAddress, GpibBus } from '../gpib-bus.js';
import type { Ar488Config, FirmwareProfile } from './profiles.js';

/**
 * The `++` command table: one entry per command, each with the firmware function it imitates.
 * Handlers talk to the adapter through `AdapterContext`, which `Ar488Emulator` implements.
 */

/** Options of one GPIB read (`++read`, auto modes, `++repeat`). */
export interface ReadOptions {
  /** Stop on EOI (`++read eoi`); the profile may force it (`++eoi 1` on TL, `++eor 7`). */
  eoi: boolean;
  /** Stop after this byte (`++read <char>`). */
  endByte?: number;
  /** Read from this address instead of `++addr` (TL-0.53 `++read pri [sec]`). */
  from?: GpibAddress;
}

/** Runtime state that is not part of the saved configuration. */
export interface AdapterState {
  /** `++auto 3` continuous reading armed by `++read`. */
  autoRead: boolean;
  /** Flags of the last `++read` (DD keeps them for auto reads: `rEoi`, `rEbt`, `eByte`). */
  lastReadEoi: boolean;
  lastReadEndByte: number | undefined;
  /** `++srqauto` */
  srqAuto: boolean;
  /** TL `isVerb` (DD keeps verbose in the config). */
  verbose: boolean;
  /** `++lon`, `++ton`, `++prom` (device mode). */
  lon: boolean;
  ton: number;
  prom: boolean;
}

/** What a command handler can do to the adapter. */
export interface AdapterContext {
  readonly profile: FirmwareProfile;
  readonly cfg: Ar488Config;
  readonly bus: GpibBus;
  readonly state: AdapterState;
  /** Whether the host link is the serial port (DD prints WiFi messages on serial only). */
  readonly onSerialLink: boolean;
  /** Verbose mode, wherever the profile keeps it. */
  verbose: boolean;
  /** Raw output to the host (Arduino `print`). */
  print(data: string | Buffer): void;
  /** Output plus CR LF (Arduino `println`). */
  println(data?: string | number): void;
  /** `errBadCmd()`: `Unrecognized command`. */
  errBadCmd(): void;
  /** TL-0.53 `errorMsg()`: 1 Missing parameter, 2 Invalid parameter, 3 Transmit failed!. */
  errorMsg(code: 1 | 2 | 3): void;
  /** `notInRange()` per profile: the value, or undefined once the error (if any) is printed. */
  numberInRange(param: string | undefined, low: number, high: number): number | undefined;
  /** Keep the adapter busy, ms (input queues meanwhile). */
  sleep(ms: number): Promise<void>;
  /** Address a device to talk and pass its bytes to the host. */
  receive(options: ReadOptions): Promise<void>;
  /** Send instrument data with EOS/EOI per config (TL `sendToInstrument()`). */
  sendData(data: Buffer, bufferFull: boolean, to?: GpibAddress): Promise<void>;
  /** Serial-poll one address; undefined (after `read_tmo_ms`) when nothing answers. */
  pollOne(addr: GpibAddress): Promise<number | undefined>;
  /** The current device address as put on the bus (`++addr` pri and, if sent, sec). */
  target(): GpibAddress;
  /** `++savecfg`: write the configuration to EEPROM/NVS. */
  saveConfig(): void;
  /** Replace the configuration with defaults (TL) or re-read what was saved (DD). */
  resetConfig(fromSaved: boolean): void;
  /** `++rst`. */
  reboot(): void;
  /** `++mode 1` / `++mode 0`. */
  startControllerMode(): void;
  startDeviceMode(): void;
}

/** One `++` command: the modes it runs in (1 device, 2 controller, 3 both) and its handler. */
export interface CommandSpec {
  mode: 1 | 2 | 3;
  run(ctx: AdapterContext, params: string | undefined): void | Promise<void>;
}

const CR_LF_FREE = /[\r\n]/g;

/** C `atoi()`: leading blanks, sign, digits; 0 when none. */
export function atoi(text: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(text);
  return m ? parseInt(m[1], 10) : 0;
}

/** Split like repeated `strtok(s, delims)`. */
function tokens(text: string, delims = ' \t'): string[] {
  const re = new RegExp(`[^${delims.replace(/\\/g, '\\\\')}]+`, 'g');
  return text.match(re) ?? [];
}

/** `strtok(params, " \t")` then `keyword + strlen(keyword) + 1`: first word and the rest. */
function keywordAndRest(params: string): { keyword: string; rest: string } {
  const lead = params.match(/^[ \t]*/)![0].length;
  const after = params.slice(lead);
  const end = after.search(/[ \t]/);
  if (end < 0) return { keyword: after, rest: '' };
  return { keyword: after.slice(0, end), rest: after.slice(end + 1) };
}

const startsWith = (text: string | undefined, word: string, caseless: boolean) =>
  text !== undefined &&
  (caseless
    ? text.slice(0, word.length).toLowerCase() === word
    : text.slice(0, word.length) === word);

const isNumber = (text: string) => /^\d+$/.test(text.trim());

/** C `strncmp`/`strncasecmp` equality over `n` bytes (strings padded with NUL). */
function cmpN(a: string, b: string, n: number, caseless: boolean): boolean {
  const pad = (s: string) => (s + '\0'.repeat(n)).slice(0, n);
  return caseless ? pad(a).toLowerCase() === pad(b).toLowerCase() : pad(a) === pad(b);
}

/** Address set/query, four syntaxes (§1.4 `++addr`). */
function addr(ctx: AdapterContext, params: string | undefined): void {
  const { cfg, profile } = ctx;
  const hasSec = cfg.saddr >= 0x60 && cfg.saddr <= 0x7e;
  if (params === undefined) {
    if (!hasSec || profile.addrStyle === 'tl051') ctx.println(cfg.paddr);
    else ctx.println(`${cfg.paddr}${profile.addrStyle === 'tl053' ? ',' : ' '}${cfg.saddr}`);
    return;
  }
  switch (profile.addrStyle) {
    case 'tl051': {
      // TL-0.51.29 addr_h(): notInRange(params, 1, 30) on the whole string (atoi).
      const v = ctx.numberInRange(params, 1, 30);
      if (v === undefined) return;
      if (v === cfg.caddr) return ctx.errBadCmd();
      cfg.paddr = v;
      return;
    }
    case 'dd':
    case 'prologix': {
      const [p, s] = tokens(params);
      const v = ctx.numberInRange(p, profile.addrStyle === 'dd' ? 1 : 0, 30);
      if (v === undefined) return;
      if (profile.addrStyle === 'dd' && v === cfg.caddr) return ctx.errBadCmd();
      cfg.paddr = v;
      cfg.saddr = 0;
      if (s !== undefined) {
        const sv = ctx.numberInRange(s, 96, 126);
        if (sv !== undefined) cfg.saddr = sv;
      }
      return;
    }
    case 'tl053': {
      // TL-0.53: `pri[,sec]` or `pri sec`; sec 0–30 (→ +0x60) or 96–126; setting clears sec.
      const [p, s] = tokens(params, ' \t,');
      if (p === undefined || !isNumber(p)) return;
      const v = Number(p);
      if (v < 1 || v > 30) return ctx.errorMsg(2);
      let sad = 0xff;
      if (s !== undefined) {
        if (!isNumber(s)) return;
        const sv = Number(s);
        if (sv <= 30) sad = sv + 0x60;
        else if (sv >= 96 && sv <= 126) sad = sv;
        else return ctx.errorMsg(2);
      }
      cfg.paddr = v;
      cfg.saddr = sad;
      return;
    }
  }
}

/** A setting stored in the config: `++name [value]`, query prints the number. */
function setting(
  key: keyof Ar488Config,
  low: number,
  high: number | ((p: FirmwareProfile) => number),
  after?: (ctx: AdapterContext, v: number) => void,
): CommandSpec['run'] {
  return (ctx, params) => {
    const cfg = ctx.cfg as unknown as Record<string, number | boolean>;
    if (params === undefined) {
      const v = cfg[key];
      ctx.println(typeof v === 'boolean' ? (v ? 1 : 0) : v);
      return;
    }
    const max = typeof high === 'function' ? high(ctx.profile) : high;
    const v = ctx.numberInRange(params, low, max);
    if (v === undefined) return;
    cfg[key] = typeof cfg[key] === 'boolean' ? v !== 0 : v;
    after?.(ctx, v);
  };
}

/** Address the configured device as listener, run `fn`, unaddress (TL `sendSDC()` etc.). */
function addressed(ctx: AdapterContext, fn: () => void, to = ctx.target()): void {
  ctx.bus.unlisten();
  ctx.bus.untalk();
  ctx.bus.listen(to);
  fn();
  ctx.bus.unlisten();
  ctx.bus.untalk();
}

/** Serial poll per profile (§1.7). `mode` is DD's: 0 spoll, 1 allspoll, 2 findrqs. */
async function spoll(
  ctx: AdapterContext,
  params: string | undefined,
  mode: 0 | 1 | 2 = 0,
): Promise<void> {
  const { cfg, profile } = ctx;
  if (profile.spollStyle === 'dd') return ddSpoll(ctx, params, mode);
  if (profile.spollStyle === 'prologix') {
    const [p, s] = tokens(params ?? '');
    const pad = p === undefined ? cfg.paddr : ctx.numberInRange(p, 0, 30);
    if (pad === undefined) return;
    let sad: number | undefined;
    if (s !== undefined) {
      const sv = ctx.numberInRange(s, 96, 126);
      if (sv === undefined) return;
      sad = sv - 0x60;
    } else if (p === undefined) sad = ctx.target().sad;
    const v = await ctx.pollOne({ pad, sad });
    if (v !== undefined) ctx.println(v);
    return;
  }
  // TL spoll_h() (0.51.29 src/AR488/AR488.ino; 0.53 adds isNumber and errorMsg(2)).
  const tl053 = profile.spollStyle === 'tl053';
  let all = false;
  const addrs: number[] = [];
  if (params === undefined) addrs.push(cfg.paddr);
  else {
    for (const t of tokens(params).slice(0, 15)) {
      if (startsWith(t, 'all', tl053)) {
        all = true;
        break;
      }
      if (tl053 && (!isNumber(t) || t.length > 2)) return ctx.errorMsg(2);
      if (!tl053 && t.length >= 3) return ctx.errBadCmd();
      const v = ctx.numberInRange(t, 1, 30);
      if (v === undefined) return;
      addrs.push(v);
    }
  }
  if (all) {
    // `all` polls 1–29 (j = 30, own address skipped) and reports the first RQS as SRQ:a,sb.
    for (let a = 0; a < 30; a++) {
      if (a === cfg.caddr) continue;
      const v = await ctx.pollOne({ pad: a });
      if (v !== undefined && v & 0x40) {
        ctx.println(`SRQ:${a},${v}`);
        break;
      }
    }
    ctx.println();
    return;
  }
  for (const a of addrs) {
    if (a === cfg.caddr) continue;
    const v = await ctx.pollOne({ pad: a });
    if (v !== undefined) {
      ctx.println(v);
      break;
    }
  }
}

/** DD `Controller::spoll(params, mode)` (src/commands.cpp). */
async function ddSpoll(
  ctx: AdapterContext,
  params: string | undefined,
  mode: 0 | 1 | 2,
): Promise<void> {
  const addrs: number[] = [];
  if (params === undefined) addrs.push(ctx.cfg.paddr);
  else {
    const list = tokens(params).slice(0, 31);
    // strtok() has cut params at the first blank, so `strlen(params) < 2` tests the FIRST token:
    // any two-digit first address is refused, later ones are not.
    const firstShort = (list[0] ?? '').length < 2;
    for (const t of list) {
      const v = firstShort ? ctx.numberInRange(t, 0, 30) : undefined;
      if (v === undefined) return ctx.errBadCmd();
      addrs.push(v);
    }
  }
  if (mode === 0 && addrs.length > 1) return ctx.errBadCmd();
  for (const a of addrs) {
    if (a === ctx.cfg.caddr) continue;
    const v = await ctx.pollOne({ pad: a });
    if (v === undefined) continue;
    if (mode === 2) {
      if (v & 0x40) {
        ctx.print(`SRQ:${a},${v}`);
        break;
      }
    } else if (mode === 1) ctx.print(`${a}:${v} `);
    else ctx.print(String(v));
  }
  ctx.println();
}

/** `++read` argument parsing per profile, then the read. */
async function read(ctx: AdapterContext, params: string | undefined): Promise<void> {
  const { profile, state } = ctx;
  let eoi = false;
  let endByte: number | undefined;
  let from: GpibAddress | undefined;
  if (params !== undefined) {
    if (profile.readStyle === 'tl053') {
      // TL-0.53 read_h(): a numeric first argument is an address (`++read 10` reads from 10,
      // `++read 59` is refused), so `++read <char>` cannot work there (reference §1.4).
      const t = tokens(params, ' \t,');
      if (isNumber(t[0] ?? '')) {
        const pad = Number(t.shift());
        if (pad > 30) return ctx.errorMsg(2);
        let sad: number | undefined;
        if (t[0] !== undefined && isNumber(t[0])) {
          const s = Number(t.shift());
          if (s <= 30) sad = s;
          else if (s >= 96 && s <= 126) sad = s - 0x60;
          else return ctx.errorMsg(2);
        }
        from = { pad, sad };
      }
      if (t[0] !== undefined) {
        if (t[0].toLowerCase().startsWith('eoi')) eoi = true;
        else return ctx.errorMsg(2);
      }
    } else if (params.length > 3) {
      // TL-0.51/DD: "Invalid termination character - ignored!" (verbose) and read anyway.
      if (ctx.verbose) ctx.println('Invalid termination character - ignored!');
    } else if (startsWith(params, 'eoi', profile.family !== 'douard')) {
      // TL strncasecmp(); DD strncmp(): `++read EOI` is the end byte atoi("EOI") = 0 there.
      eoi = true;
    } else {
      endByte = atoi(params) & 0xff;
    }
  }
  state.lastReadEoi = eoi;
  state.lastReadEndByte = endByte;
  if (ctx.cfg.amode === 3) {
    state.autoRead = true;
    return;
  }
  await ctx.receive({ eoi, endByte, from });
}

/** TL `fndl_h()` (0.53): probe listeners; prints `3,5:97,11` then CR LF. */
async function fndl(ctx: AdapterContext, params: string | undefined): Promise<void> {
  if (params === undefined) return ctx.errorMsg(1);
  let list: number[] = [];
  const range = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(params);
  if (startsWith(params, 'all', true)) list = Array.from({ length: 30 }, (_, i) => i + 1);
  else if (range) {
    const [a, b] = [Number(range[1]), Number(range[2])];
    if (!(a < 30 && b < 31)) return ctx.errorMsg(2);
    for (let i = a; i <= b; i++) list.push(i);
  } else {
    for (const t of tokens(params, ' \t,')) {
      if (t.length > 2 || !isNumber(t)) return ctx.errorMsg(2);
      const v = ctx.numberInRange(t, 0, 31);
      if (v === undefined) return;
      list.push(v);
    }
  }
  const found: string[] = [];
  let busyMs = 0;
  for (const pad of list) {
    if (pad === ctx.cfg.caddr) continue;
    // Each probe: address, drop ATN, wait 1.6 ms, look at NDAC; then the 31 secondaries.
    busyMs += 3.2;
    if (!ctx.bus.populated) busyMs += 31 * 35;
    if (ctx.bus.hasListenerAt({ pad })) {
      found.push(String(pad));
      continue;
    }
    for (let sad = 0; sad <= 30; sad++)
      if (ctx.bus.hasListenerAt({ pad, sad })) found.push(`${pad}:${sad + 0x60}`);
  }
  await ctx.sleep(busyMs);
  // TL bug #75: the first comma goes to Serial, not dataPort: the same stream on USB builds.
  ctx.println(found.join(','));
}

/** DD `findlstn_h()` / `GPIB::findListeners()`: primaries only, `5 7 22 ` then CR LF. */
async function findlstn(ctx: AdapterContext): Promise<void> {
  let out = '';
  let empty = 0;
  for (let pad = 0; pad < 31; pad++) {
    if (pad === ctx.cfg.caddr) continue;
    if (ctx.bus.hasListenerAt({ pad })) out += `${pad} `;
    // No listener: Wait_on_pin_state(LOW, NDAC, rtmo) runs to its timeout.
    else empty++;
  }
  await ctx.sleep(empty * ctx.cfg.rtmo);
  ctx.println(out);
}

/** `++id` per TL `id_h()` / DD `Controller::id_h()`. */
function id(ctx: AdapterContext, params: string | undefined): void {
  const dd = ctx.profile.family === 'douard';
  const { cfg } = ctx;
  if (params === undefined) return dd ? undefined : ctx.errBadCmd();
  const { keyword, rest } = keywordAndRest(params);
  // TL strncasecmp(), DD strncmp(), both over n bytes including the terminating NUL.
  const is = (word: string, n: number) => cmpN(keyword, word, n, !dd);
  if (!keyword) return dd ? undefined : ctx.errBadCmd();
  if (rest.length > 0) {
    if (is('verstr', 6)) {
      if (rest.length < 48) {
        cfg.vstr = rest;
        // TL/DD print the string even without verbose (the println is outside the if).
        ctx.println(cfg.vstr);
      } else ctx.errBadCmd();
      return;
    }
    if (is('name', 4)) {
      if (rest.length < 16) cfg.sname = rest;
      else ctx.errBadCmd();
      return;
    }
    if (is('serial', 6)) {
      if (rest.length < 10) cfg.serial = atoi(rest) >>> 0;
      else ctx.errBadCmd();
      return;
    }
  } else {
    if (is('verstr', 6)) return ctx.println(cfg.vstr);
    if (!dd && is('fwver', 5)) return ctx.println(ctx.profile.version);
    if (is('name', 4)) return ctx.println(cfg.sname);
    if (is('serial', 6)) return ctx.println(String(cfg.serial).padStart(9, '0'));
  }
  if (!dd) ctx.errBadCmd();
}

/** DD `Controller::wifi_h()`. */
function wifi(ctx: AdapterContext, params: string | undefined): void {
  if (params === undefined) return;
  const { keyword, rest } = keywordAndRest(params);
  const serial = (text: string) => {
    // WiFi status lines go to the serial stream only (DD `setupWifi()`, `scanWifi()`).
    if (ctx.onSerialLink) ctx.print(text);
  };
  if (rest.length > 0) {
    if (cmpN(keyword, 'ssid', 6, false)) {
      if (rest.length < 32) ctx.cfg.ssid = rest;
      else ctx.errBadCmd();
    } else if (keyword.startsWith('pass')) {
      if (rest.length < 64) ctx.cfg.pass = rest;
      else ctx.errBadCmd();
    } else if (ctx.verbose) ctx.println('Invalid keyword ([ssid, pass, connect, scan])');
    return;
  }
  if (cmpN(keyword, 'ssid', 6, false)) ctx.println(ctx.cfg.ssid);
  else if (keyword.startsWith('pass')) ctx.println(ctx.cfg.pass);
  else if (keyword.startsWith('connect')) {
    if (ctx.cfg.ssid)
      serial(
        `Connecting to Wifi: ${ctx.cfg.ssid}\r\n\r\nWiFi connected IP address: 192.168.4.2\r\n`,
      );
  } else if (keyword.startsWith('scan')) {
    serial('scan done\r\n2 networks found\r\n1: labnet (-48)*\r\n2: guest (-71) \r\n\r\n');
  } else if (ctx.verbose) ctx.println('Invalid keyword ([ssid, pass, connect, scan])');
}

/** TL `cmdHelp` (0.51.29) lines: `token:P description` (P = Prologix, C = custom). */
const TL_HELP = [
  'addr:P Display/set device address',
  'auto:P Automatically request talk and read response',
  'clr:P Send Selected Device Clear to current GPIB address',
  'eoi:P Enable/disable assertion of EOI signal',
  'eor:P Show or set end of receive character(s)',
  'eos:P Specify GPIB termination character',
  'eot_char:P Set character to append to USB output when EOT enabled',
  'eot_enable:P Enable/Disable appending user specified character to USB output on EOI detection',
  'help:P This message',
  'ifc:P Assert IFC signal for 150 miscoseconds - make AR488 controller in charge',
  'llo:P Local lockout - disable front panel operation on instrument',
  'loc:P Enable front panel operation on instrument',
  'lon:P Put controller in listen-only mode (listen to all traffic)',
  'mode:P Set the interface mode (1=controller/0=device)',
  'read:P Read data from instrument',
  'read_tmo_ms:P Read timeout specified between 1 - 3000 milliseconds',
  'rst:P Reset the controller',
  'savecfg:P Save configration',
  'spoll:P Serial poll the addressed host or all instruments',
  'srq:P Return status of srq signal (1-srq asserted/0-srq not asserted)',
  'status:P Set the status byte to be returned on being polled (bit 6 = RQS, i.e SRQ asserted)',
  'trg:P Send trigger to selected devices (up to 15 addresses)',
  'ver:P Display firmware version',
  'aspoll:C Serial poll all instruments (alias: ++spoll all)',
  'dcl:C Send unaddressed (all) device clear  [power on reset] (is the rst?)',
  'default:C Set configuration to controller default settings',
  "id:C Show interface ID information - see also: 'id name'; 'id serial'; 'id verstr'",
  'id name:C Show/Set the name of the interface',
  'id serial:C Show/Set the serial number of the interface',
  'id verstr:C Show/Set the version string sent in reply to ++ver e.g. "GPIB-USB"). Max 47 chars, excess truncated.',
  'idn:C Enable/Disable reply to *idn? (disabled by default)',
  'macro:C Run a macro (if macro support is compiled)',
  'ppoll:C Conduct a parallel poll',
  'ren:C Assert or Unassert the REN signal',
  'repeat:C Repeat a given command and return result',
  'setvstr:C DEPRECATED - see id verstr',
  'srqauto:C Automatically conduct serial poll when SRQ is asserted',
  'tct:C Signal remote device to take control',
  'ton:C Put controller in talk-only mode (send data only)',
  'verbose:C Verbose (human readable) mode',
  'xdiag:C Bus diagnostics (see the doc)',
];

/** Lines TL-0.53 adds (wording approximated from 0.55 `Prologix_Controller.cpp`). */
const TL053_HELP = [
  "fndl:C Find listners : 0 - 30, 'all' or range eg. 3-7",
  'flags:C Display handhsaking flags - bits 0 1 & 2 control Ready, ReadOk and SendOK',
  'send:C Send data or command to a primary or secondary address',
];

/** DD `cmdHelp` (src/commands.cpp): section titles and `token: description`. */
const DD_HELP = [
  '== Prologix compatible command set ==',
  'addr: Display/set device address',
  'auto: Automatically request talk and read response',
  'clr: Send Selected Device Clear to current GPIB address',
  'eoi: Enable/disable assertion of EOI signal',
  'eor: Show or set end of receive character(s)',
  'eos: Specify GPIB termination character',
  'eot_char: Set character to append to USB output when EOT enabled',
  'eot_enable: Enable/Disable appending user specified character to USB output on EOI detection',
  'help: This message',
  'ifc: Assert IFC signal for 150 miscoseconds - make AR488 controller in charge',
  'llo: Local lockout - disable front panel operation on instrument',
  'loc: Enable front panel operation on instrument',
  'lon: Put controller in listen-only mode (listen to all traffic)',
  'mode: Set the interface mode (0=controller/1=device)',
  'read: Read data from instrument',
  'read_tmo_ms: Read timeout specified between 1 - 3000 milliseconds',
  'rst: Reset the controller',
  'savecfg: Save configration',
  'spoll: Serial poll the addressed host or all instruments',
  'srq: Return status of srq signal (1-srq asserted/0-srq not asserted)',
  'status: Set the status byte to be returned on being polled (bit 6 = RQS, i.e SRQ asserted)',
  'trg: Send trigger to selected devices (up to 15 addresses)',
  'ver: Display firmware version',
  '== Extension command set ==',
  'allspoll: Serial poll all instruments (alias: ++spoll all)',
  'findrqs: Find device requesting service',
  'findlstn: Find all devices listening on the GPIB bus',
  'dcl: Send unaddressed (all) device clear  [power on reset] (is the rst?)',
  'default: Set configuration to controller default settings',
  'id name: Show/Set the name of the interface',
  'id serial: Show/Set the serial number of the interface',
  'id verstr: Show/Set the version string (replaces setvstr)',
  'idn: Enable/Disable reply to *idn? (disabled by default)',
  'ppoll: Conduct a parallel poll',
  'ren: Assert or Unassert the REN signal',
  'repeat: Repeat a given command and return result',
  'setvstr: Set custom version string (to identify controller, e.g. "GPIB-USB"). Max 47 chars, excess truncated.',
  'srqauto: Automatically conduct serial poll when SRQ is asserted',
  'ton: Put controller in talk-only mode (send data only)',
  'tmbus: Timing parameters (see the doc)',
  'verbose: Verbose (human readable) mode',
  'wifi ssid: Set or get the wifi SSID (31 chars max)',
  'wifi passkey: Set or get the wifi passphrase (63 chars max)',
  'wifi connect: Connect to the configure wifi AP',
  'wifi scan: Scan for accessible AP',
  'xdiag: Bus diagnostics (see the doc)',
];

/** `++help [cmd]`: TL `help_h()` / DD `help_h()`; lines end in `\n` only (string literals). */
function help(ctx: AdapterContext, params: string | undefined): void {
  const { profile } = ctx;
  if (profile.family === 'douard') {
    for (const line of DD_HELP) {
      if (line.startsWith('==')) {
        if (params === undefined) ctx.print(`${line}\n`);
        continue;
      }
      const i = line.indexOf(':');
      if (params === undefined || line.slice(0, i) === params)
        ctx.print(`++${line.slice(0, i)}:\t${line.slice(i + 2)}\n`);
    }
    return;
  }
  const lines = profile.errorStyle === 'tl053' ? [...TL_HELP, ...TL053_HELP] : TL_HELP;
  for (const line of lines) {
    const i = line.indexOf(':');
    const token = line.slice(0, i);
    if (profile.family === 'prologix' && line[i + 1] !== 'P') continue;
    if (params === undefined || token === params)
      ctx.print(`++${token}: [${line[i + 1]}]${line.slice(i + 2)}\n`);
  }
}

/** UNO layout pins (AR488_Layouts.h, AR488_UNO) for `++xdiag pins`. */
const UNO_PINS: Array<[string, string]> = [
  ['DIO1', '14'],
  ['DIO2', '15'],
  ['DIO3', '16'],
  ['DIO4', '17'],
  ['DIO5', '18'],
  ['DIO6', '19'],
  ['DIO7', '4'],
  ['DIO8', '5'],
  ['IFC', '8'],
  ['NDAC', '9'],
  ['NRFD', '10'],
  ['DAV', '11'],
  ['EOI', '12'],
  ['SRQ', '2'],
  ['REN', '3'],
  ['ATN', '7'],
];

const onOff = (v: boolean) => (v ? 'ON' : 'OFF');

/** The command table. Which entries a firmware has is `profile.commands`. */
export const COMMANDS: Readonly<Record<string, CommandSpec>> = {
  addr: { mode: 3, run: addr },
  auto: {
    mode: 2,
    run: setting(
      'amode',
      0,
      (p) => p.amodeMax,
      (ctx, v) => {
        if (v < 3) ctx.state.autoRead = false;
        if (v > 0 && ctx.verbose) {
          ctx.println('WARNING: automode ON can cause some devices to generate');
          ctx.println("         'addressed to talk but nothing to say' errors");
        }
      },
    ),
  },
  clr: { mode: 2, run: (ctx) => addressed(ctx, () => ctx.bus.selectedDeviceClear()) },
  eoi: { mode: 3, run: setting('eoi', 0, 1) },
  eor: {
    mode: 3,
    run: (ctx, params) => {
      // eor_h(): accepts 0–15; the query resets values > 7 (0xFF from a fresh EEPROM) to 0.
      if (params === undefined && ctx.cfg.eor > 7) ctx.cfg.eor = 0;
      return setting('eor', 0, 15)(ctx, params);
    },
  },
  eos: { mode: 3, run: setting('eos', 0, 3) },
  eot_enable: { mode: 3, run: setting('eotEnable', 0, 1) },
  eot_char: { mode: 3, run: setting('eotChar', 0, 255) },
  help: { mode: 3, run: help },
  ifc: { mode: 2, run: (ctx) => ctx.bus.ifc() },
  llo: {
    mode: 2,
    run: (ctx, params) => {
      // llo_h(): nothing at all unless REN is asserted (issue AR488#46).
      if (!ctx.bus.ren) return;
      if (params !== undefined) {
        if (startsWith(params, 'all', ctx.profile.errorStyle === 'tl053')) ctx.bus.localLockout();
      } else addressed(ctx, () => ctx.bus.localLockout());
    },
  },
  loc: {
    mode: 2,
    run: async (ctx, params) => {
      if (!ctx.bus.ren) return;
      if (params !== undefined) {
        if (!startsWith(params, 'all', ctx.profile.errorStyle === 'tl053')) return;
        // sendAllClear(): REN off 40 ms, then ATN+REN: every device returns to local.
        ctx.bus.setRen(false);
        await ctx.sleep(40);
        ctx.bus.setRen(true);
        await ctx.sleep(40);
      } else addressed(ctx, () => ctx.bus.goToLocal());
    },
  },
  lon: {
    mode: 1,
    run: (ctx, params) => {
      if (params === undefined) return ctx.println(ctx.state.lon ? 1 : 0);
      const v = ctx.numberInRange(params, 0, 1);
      if (v === undefined) return;
      ctx.state.lon = v === 1;
      if (ctx.state.lon) ctx.state.ton = 0;
    },
  },
  mode: {
    mode: 3,
    run: (ctx, params) => {
      if (params === undefined) return ctx.println(ctx.cfg.cmode === 2 ? 1 : 0);
      const v = ctx.numberInRange(params, 0, 1);
      if (v === undefined) return;
      if (v === 1) ctx.startControllerMode();
      else ctx.startDeviceMode();
    },
  },
  read: { mode: 2, run: read },
  read_tmo_ms: { mode: 2, run: setting('rtmo', 1, (p) => p.rtmoMax) },
  rst: { mode: 3, run: (ctx) => ctx.reboot() },
  savecfg: {
    mode: 3,
    run: (ctx, params) => {
      if (ctx.profile.saveStyle === 'ar488') {
        // save_h() takes no parameters: `++savecfg 0` writes the EEPROM too (§1.4, §4 row 17).
        ctx.saveConfig();
        if (ctx.verbose) ctx.println('Settings saved.');
        return;
      }
      if (params === undefined) return ctx.println(ctx.cfg.autoSave ? 1 : 0);
      const v = ctx.numberInRange(params, 0, 1);
      if (v === undefined) return;
      ctx.cfg.autoSave = v === 1;
      if (ctx.cfg.autoSave) ctx.saveConfig();
    },
  },
  spoll: { mode: 2, run: (ctx, params) => spoll(ctx, params, 0) },
  srq: { mode: 2, run: (ctx) => ctx.println(ctx.bus.srq ? 1 : 0) },
  status: { mode: 1, run: setting('stat', 0, 255) },
  trg: {
    mode: 2,
    run: (ctx, params) => {
      const list: number[] = [];
      if (params === undefined) list.push(ctx.cfg.paddr);
      else
        for (const t of tokens(params).slice(0, 15)) {
          const v = ctx.numberInRange(t, 1, 30);
          if (v === undefined) return;
          list.push(v);
        }
      for (const pad of list) {
        const to = pad === ctx.cfg.paddr && params === undefined ? ctx.target() : { pad };
        addressed(ctx, () => ctx.bus.groupExecuteTrigger(), to);
      }
    },
  },
  ver: {
    mode: 3,
    run: (ctx, params) => {
      // ver_h(): strncasecmp(params, "real", 3) on TL, strncmp on DD.
      const real = startsWith(params, 'rea', ctx.profile.family !== 'douard');
      ctx.println(!real && ctx.cfg.vstr ? ctx.cfg.vstr : ctx.profile.version);
    },
  },
  allspoll: {
    mode: 2,
    run: (ctx, params) =>
      ctx.profile.spollStyle === 'dd' ? spoll(ctx, params, 1) : spoll(ctx, 'all'),
  },
  findrqs: { mode: 2, run: (ctx, params) => spoll(ctx, params, 2) },
  findlstn: { mode: 2, run: (ctx) => findlstn(ctx) },
  fndl: { mode: 2, run: fndl },
  dcl: { mode: 2, run: (ctx) => ctx.bus.deviceClearAll() },
  default: { mode: 3, run: (ctx) => ctx.resetConfig(ctx.profile.defaultReloadsSaved) },
  id: { mode: 3, run: id },
  idn: { mode: 3, run: setting('idn', 0, 2) },
  flags: { mode: 2, run: setting('hflags', 0, 7) },
  macro: { mode: 2, run: (ctx) => ctx.println('Disabled') },
  mla: { mode: 2, run: (ctx) => void ctx.bus.listen(ctx.target()) },
  mta: { mode: 2, run: (ctx) => void ctx.bus.talk(ctx.target()) },
  msa: {
    mode: 2,
    run: async (ctx, params) => {
      if (params === undefined) return;
      const { keyword, rest } = keywordAndRest(params);
      const sad = ctx.numberInRange(keyword, 96, 126);
      if (sad === undefined) return;
      ctx.bus.listen({ pad: ctx.cfg.paddr, sad: sad - 0x60 });
      if (rest) ctx.bus.write(Buffer.from(rest, 'latin1'), false);
    },
  },
  ppoll: { mode: 2, run: (ctx) => ctx.println(ctx.bus.parallelPoll()) },
  prom: {
    mode: 1,
    run: (ctx, params) => {
      if (params === undefined) return ctx.println(ctx.state.prom ? 1 : 0);
      const v = ctx.numberInRange(params, 0, 1);
      if (v !== undefined) ctx.state.prom = v === 1;
    },
  },
  prompt: {
    mode: 3,
    run: (ctx, params) => {
      if (params !== undefined) {
        const v = ctx.numberInRange(params, 0, 1);
        if (v === undefined) return;
        ctx.cfg.prompt = v === 1;
      }
      ctx.println(`Show prompt: ${onOff(ctx.cfg.prompt)}`);
    },
  },
  ren: {
    mode: 2,
    run: (ctx, params) => {
      if (params === undefined) return ctx.println(ctx.bus.ren ? 1 : 0);
      const v = ctx.numberInRange(params, 0, 1);
      if (v !== undefined) ctx.bus.setRen(v === 1);
    },
  },
  repeat: {
    mode: 2,
    run: async (ctx, params) => {
      if (params === undefined) return ctx.errBadCmd();
      const [c, d] = tokens(params);
      const count = ctx.numberInRange(c, 2, 255);
      if (count === undefined) return;
      const delay = ctx.numberInRange(d, 0, 30000);
      if (delay === undefined) return;
      const rest = params.replace(/^[ \t]*\S+[ \t]+\S+[ \t]?/, '').replace(CR_LF_FREE, '');
      if (!rest) return ctx.errBadCmd();
      for (let i = 0; i < count; i++) {
        await ctx.sendData(Buffer.from(rest, 'latin1'), false);
        await ctx.sleep(delay);
        await ctx.receive({
          eoi: ctx.profile.eoiConfigEndsReads ? ctx.cfg.eoi : ctx.state.lastReadEoi,
        });
      }
    },
  },
  send: {
    mode: 2,
    run: async (ctx, params) => {
      if (params === undefined) return ctx.errorMsg(1);
      const m = /^\s*(\d+)(?:[ ,]+(\d+))?[ ,]+(.*)$/.exec(params);
      if (!m) return ctx.errorMsg(2);
      const pad = Number(m[1]);
      if (pad > 30) return ctx.errorMsg(2);
      const s = m[2] === undefined ? undefined : Number(m[2]);
      const sad = s === undefined ? undefined : s <= 30 ? s : s - 0x60;
      await ctx.sendData(Buffer.from(m[3].replace(/^"|"$/g, ''), 'latin1'), false, { pad, sad });
    },
  },
  setvstr: {
    mode: 3,
    run: (ctx, params) => {
      // TL: strlcpy(idparams, "verstr ", sizeof(vstr)) copies pointer-size bytes, so the keyword
      // is mangled and id_h() answers `Unrecognized command`. DD builds "verstr <params>" right.
      if (ctx.profile.family !== 'douard') return ctx.errBadCmd();
      id(ctx, `verstr ${params ?? ''}`);
    },
  },
  srqauto: {
    mode: 2,
    run: (ctx, params) => {
      if (params === undefined) return ctx.println(ctx.state.srqAuto ? 1 : 0);
      const v = ctx.numberInRange(params, 0, 1);
      if (v === undefined) return;
      ctx.state.srqAuto = v === 1;
      if (ctx.verbose) ctx.println(ctx.state.srqAuto ? 'SRQ auto ON' : 'SRQ auto OFF');
    },
  },
  tct: {
    mode: 2,
    run: (ctx, params) => {
      if (params === undefined) return;
      const v = ctx.numberInRange(params, 0, 30);
      if (v === undefined) return;
      if (v === ctx.cfg.caddr) return ctx.errBadCmd();
      ctx.startDeviceMode();
    },
  },
  ton: {
    mode: 1,
    run: (ctx, params) => {
      if (params === undefined) return ctx.println(ctx.state.ton);
      const v = ctx.numberInRange(params, 0, ctx.profile.family === 'douard' ? 1 : 2);
      if (v === undefined) return;
      ctx.state.ton = v;
      if (v > 0) ctx.state.lon = false;
    },
  },
  tmbus: { mode: 3, run: setting('tmbus', 0, 30000) },
  unl: { mode: 2, run: (ctx) => ctx.bus.unlisten() },
  unt: { mode: 2, run: (ctx) => ctx.bus.untalk() },
  verbose: {
    mode: 3,
    run: (ctx, params) => {
      if (ctx.profile.verboseStyle === 'toggle') ctx.verbose = !ctx.verbose;
      else if (params !== undefined) {
        const v = ctx.numberInRange(params, 0, 1);
        if (v === undefined) return;
        ctx.verbose = v === 1;
      }
      ctx.println(`Verbose: ${onOff(ctx.verbose)}`);
    },
  },
  wifi: { mode: 3, run: wifi },
  xdiag: {
    mode: 3,
    run: async (ctx, params) => {
      const [m, b] = tokens(params ?? '');
      if (m === 'pins' && ctx.profile.errorStyle === 'tl053') {
        for (const [name, pin] of UNO_PINS) ctx.println(`${name}: \t[${pin}] \t1`);
        return;
      }
      const mode = m !== undefined && m.length < 4 ? atoi(m) : 0;
      if (mode > 2) return ctx.println('Invalid: 0=data bus; 1=control bus');
      // The lines are held for 10 s before returning to the idle state.
      if (b !== undefined) await ctx.sleep(10_000);
    },
  },
};

/**
 * TL/DD `getCmd()`: the first word (split on space/tab) is looked up case-insensitively among the
 * profile's commands; the rest after one delimiter is the parameter string (NULL when empty).
 */
export async function runCommand(ctx: AdapterContext, line: Buffer): Promise<void> {
  let text = line.subarray(2).toString('latin1');
  const nul = text.indexOf('\0');
  if (nul >= 0) text = text.slice(0, nul);
  if (text === '' || text[0] === '\r' || text[0] === '\n') return;
  const { keyword, rest } = keywordAndRest(text);
  if (!keyword) return;
  const name = keyword.toLowerCase();
  const spec = ctx.profile.commands.has(name) ? COMMANDS[name] : undefined;
  if (!spec) return ctx.errBadCmd();
  if (!(spec.mode & ctx.cfg.cmode)) {
    ctx.errBadCmd();
    if (ctx.verbose) ctx.println('getCmd: command not available in this mode.');
    return;
  }
  await spec.run(ctx, rest.length > 0 ? rest : undefined);
}
