/**
 * Firmware profiles as data: everything that differs between the AR488 variants the emulator
 * imitates (reference `ar488-gpib.md` §0, §1.2–§1.7). Code paths branch on these fields, never on
 * the profile name, so a new variant is a new entry here.
 */

/** The firmware variants the emulator can imitate. */
export type FirmwareProfileName = 'twilight-0.51.29' | 'twilight-0.53.04' | 'esp32' | 'prologix';

/**
 * The adapter configuration block: what `++savecfg` writes to EEPROM/NVS and boot restores.
 * Field names follow TL `GPIBbus::cfg` / DD `AR488Conf`.
 */
export interface Ar488Config {
  /** `++eot_enable` */
  eotEnable: boolean;
  /** `++eoi` */
  eoi: boolean;
  /** 1 = device, 2 = controller (`++mode` 0/1) */
  cmode: 1 | 2;
  /** Controller's own address (always 0 here). */
  caddr: number;
  /** `++addr` primary */
  paddr: number;
  /** `++addr` secondary as a SAD byte 0x60–0x7E; anything else means none (TL-0.53 uses 0xFF). */
  saddr: number;
  /** `++eos` 0 CRLF, 1 CR, 2 LF, 3 none */
  eos: number;
  /** `++status` (device mode) */
  stat: number;
  /** `++auto` */
  amode: number;
  /** `++read_tmo_ms` */
  rtmo: number;
  /** `++eot_char` */
  eotChar: number;
  /** `++id verstr` */
  vstr: string;
  /** `++eor` (0–15 accepted, >7 reads back as 0) */
  eor: number;
  /** `++id name` */
  sname: string;
  /** `++id serial` */
  serial: number;
  /** `++idn` */
  idn: number;
  /** `++flags` (TL-0.53) */
  hflags: number;
  /** `++tmbus` (DD) */
  tmbus: number;
  /** DD keeps verbose and prompt in NVS (`saveConfig()` puts isVerb/showPrompt). */
  verbose: boolean;
  prompt: boolean;
  /** `++wifi ssid` / `++wifi pass` (DD) */
  ssid: string;
  pass: string;
  /** Prologix `++savecfg 0|1`: save settings to EEPROM whenever they change. */
  autoSave: boolean;
}

/** Everything that differs between firmware variants. */
export interface FirmwareProfile {
  name: FirmwareProfileName;
  /** Code base: Twilight-Logic AR488, David Douard's ESP32 fork, or the Prologix original. */
  family: 'twilight' | 'douard' | 'prologix';
  /** DD `saveConfig()` stores isVerb/showPrompt in NVS; TL's `isVerb` is a global. */
  verboseInNvs: boolean;
  /** `++ver` / `++ver real` string (FWVER). */
  version: string;
  /** Parse buffer size: TL `PBSIZE = 128`, DD `#define PBSIZE 256`. */
  parseBufferSize: number;
  /** TL/Prologix: an unescaped LF ends a line. DD since 59d73d2: LF is ignored, only CR does. */
  lfEndsLine: boolean;
  /** DD `parseInput()`: an unescaped BS deletes the previous byte. */
  backspaceDeletes: boolean;
  /** TL-0.53 `errorMsg()` strings and silent non-numeric parameters, vs `errBadCmd()` + atoi. */
  errorStyle: 'tl053' | 'classic';
  /** TL `receiveData()`: `++eoi 1` also makes every read stop on EOI. */
  eoiConfigEndsReads: boolean;
  /** DD `gpibSendData()`: EOI as a 40 µs pulse after the last byte (issue AR488#41). */
  lateEoi: boolean;
  /** TL asserts EOI on every buffer-full chunk; DD only after the last. */
  eoiOnEveryChunk: boolean;
  /** DD `gpibReceiveData()`: a complete input line aborts EOI / auto-3 reads. */
  readAbortsOnInput: boolean;
  /** AR488 `++eor`; Prologix has no EOR (reads without eoi/char run to the timeout). */
  hasEor: boolean;
  /** `++addr` syntax and query format. */
  addrStyle: 'tl053' | 'tl051' | 'dd' | 'prologix';
  /** DD `addrDev()` never sends the secondary address. */
  secondaryOnBus: boolean;
  /** `++read` argument parsing. */
  readStyle: 'tl053' | 'classic' | 'prologix';
  /** `++spoll` family output formats (§1.7). */
  spollStyle: 'tl053' | 'tl051' | 'dd' | 'prologix';
  /** `++srqauto` polls in the main loop (commented out in TL-0.51.29 `loop()`). */
  srqAutoInLoop: boolean;
  /** `++read_tmo_ms` upper limit. */
  rtmoMax: number;
  /** `++auto` upper limit. */
  amodeMax: number;
  /** `++verbose`: TL-0.51 toggles; DD and TL-0.53 take `[0|1]`. */
  verboseStyle: 'toggle' | 'param';
  /** `++savecfg`: AR488 writes whatever the argument; Prologix `0|1` toggles auto-save. */
  saveStyle: 'ar488' | 'prologix';
  /** `++default`: TL resets to defaults; DD `initConfig()` re-reads NVS. */
  defaultReloadsSaved: boolean;
  /** Command tokens this firmware knows. */
  commands: ReadonlySet<string>;
  /** Power-on configuration (§1.6). */
  defaults: Ar488Config;
  /** Time from `++rst` to accepting input again, ms. */
  rebootMs: number;
  /** What the serial port shows while booting (ESP32 ROM messages; AVR bootloader is silent). */
  bootChatter: string;
}

const TL_DEFAULTS: Ar488Config = {
  eotEnable: false,
  eoi: false,
  cmode: 2,
  caddr: 0,
  paddr: 1,
  saddr: 0,
  eos: 0,
  stat: 0,
  amode: 0,
  rtmo: 1200,
  eotChar: 0,
  vstr: '',
  eor: 0,
  sname: '',
  serial: 0,
  idn: 0,
  hflags: 0,
  tmbus: 0,
  verbose: false,
  prompt: false,
  ssid: '',
  pass: '',
  autoSave: false,
};

const PROLOGIX_COMMANDS = [
  'addr',
  'auto',
  'clr',
  'eoi',
  'eos',
  'eot_enable',
  'eot_char',
  'help',
  'ifc',
  'llo',
  'loc',
  'lon',
  'mode',
  'read',
  'read_tmo_ms',
  'rst',
  'savecfg',
  'spoll',
  'srq',
  'status',
  'trg',
  'ver',
];

/** TL-0.51.29 `cmdHidx[]` (src/AR488/AR488.ino). */
const TL051_COMMANDS = [
  ...PROLOGIX_COMMANDS,
  'allspoll',
  'dcl',
  'default',
  'eor',
  'id',
  'idn',
  'macro',
  'mla',
  'msa',
  'mta',
  'ppoll',
  'prom',
  'ren',
  'repeat',
  'setvstr',
  'srqauto',
  'tct',
  'ton',
  'unl',
  'unt',
  'verbose',
  'xdiag',
];

/** DD-ESP32 `cmdHidx[]` (src/commands.cpp), built with WiFi and help, without macros. */
const DD_COMMANDS = [
  ...PROLOGIX_COMMANDS,
  'allspoll',
  'findrqs',
  'findlstn',
  'dcl',
  'default',
  'eor',
  'id',
  'idn',
  'ppoll',
  'prompt',
  'ren',
  'repeat',
  'setvstr',
  'srqauto',
  'tct',
  'ton',
  'tmbus',
  'verbose',
  'wifi',
  'xdiag',
];

/** ESP32 ROM boot messages as they appear at 115200 baud after a reset. */
const ESP32_ROM_CHATTER =
  'ets Jun  8 2016 00:22:57\r\n\r\n' +
  'rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n' +
  'configsip: 0, SPIWP:0xee\r\n' +
  'clk_drv:0x00,q_drv:0x00,d_drv:0x00,cs0_drv:0x00,hd_drv:0x00,wp_drv:0x00\r\n' +
  'mode:DIO, clock div:1\r\nload:0x3fff0030,len:1344\r\nload:0x40078000,len:13964\r\n' +
  'load:0x40080400,len:3600\r\nentry 0x400805f0\r\n';

const TL051: FirmwareProfile = {
  name: 'twilight-0.51.29',
  family: 'twilight',
  verboseInNvs: false,
  version: 'AR488 GPIB controller, ver. 0.51.29, 18/03/2024',
  parseBufferSize: 128,
  lfEndsLine: true,
  backspaceDeletes: false,
  errorStyle: 'classic',
  eoiConfigEndsReads: true,
  lateEoi: false,
  eoiOnEveryChunk: true,
  readAbortsOnInput: false,
  hasEor: true,
  addrStyle: 'tl051',
  secondaryOnBus: true,
  readStyle: 'classic',
  spollStyle: 'tl051',
  srqAutoInLoop: false,
  rtmoMax: 32000,
  amodeMax: 3,
  verboseStyle: 'toggle',
  saveStyle: 'ar488',
  defaultReloadsSaved: false,
  commands: new Set(TL051_COMMANDS),
  defaults: TL_DEFAULTS,
  rebootMs: 1000,
  bootChatter: '',
};

/** The four profiles, keyed by name. */
export const FIRMWARE_PROFILES: Readonly<Record<FirmwareProfileName, FirmwareProfile>> = {
  'twilight-0.51.29': TL051,
  'twilight-0.53.04': {
    ...TL051,
    name: 'twilight-0.53.04',
    version: 'AR488 GPIB controller, ver. 0.53.04, 13/04/2025',
    errorStyle: 'tl053',
    addrStyle: 'tl053',
    readStyle: 'tl053',
    spollStyle: 'tl053',
    srqAutoInLoop: true,
    verboseStyle: 'param',
    commands: new Set([...TL051_COMMANDS, 'fndl', 'flags', 'send']),
    // TL-0.53 setDefaultCfg(): saddr = 0xFF means "no secondary address".
    defaults: { ...TL_DEFAULTS, saddr: 0xff },
  },
  esp32: {
    name: 'esp32',
    family: 'douard',
    verboseInNvs: true,
    version: 'AR488 GPIB controller, ver. 0.49.14, 02/03/2021',
    parseBufferSize: 256,
    lfEndsLine: false,
    backspaceDeletes: true,
    errorStyle: 'classic',
    eoiConfigEndsReads: false,
    lateEoi: true,
    eoiOnEveryChunk: false,
    readAbortsOnInput: true,
    hasEor: true,
    addrStyle: 'dd',
    secondaryOnBus: false,
    readStyle: 'classic',
    spollStyle: 'dd',
    srqAutoInLoop: true,
    rtmoMax: 32000,
    amodeMax: 3,
    verboseStyle: 'param',
    saveStyle: 'ar488',
    defaultReloadsSaved: true,
    commands: new Set(DD_COMMANDS),
    defaults: TL_DEFAULTS,
    rebootMs: 300,
    bootChatter: ESP32_ROM_CHATTER,
  },
  prologix: {
    ...TL051,
    name: 'prologix',
    family: 'prologix',
    // Assumption: the manual (v6.107) does not print the string; this is the common form.
    version: 'Prologix GPIB-USB Controller version 6.107',
    parseBufferSize: 256,
    eoiConfigEndsReads: false,
    hasEor: false,
    addrStyle: 'prologix',
    readStyle: 'prologix',
    spollStyle: 'prologix',
    rtmoMax: 3000,
    amodeMax: 1,
    saveStyle: 'prologix',
    commands: new Set(PROLOGIX_COMMANDS),
    // Assumed Prologix power-on state: EOI on, auto-save on, read timeout 500 ms (§6 gap).
    defaults: { ...TL_DEFAULTS, eoi: true, rtmo: 500, autoSave: true },
    rebootMs: 500,
  },
};

/** Look a profile up by name; throws listing the known names. */
export function firmwareProfile(name: FirmwareProfileName): FirmwareProfile {
  const p = FIRMWARE_PROFILES[name];
  if (!p)
    throw new Error(
      `unknown firmware profile "${name}"; known: ${Object.keys(FIRMWARE_PROFILES).join(', ')}`,
    );
  return p;
}
