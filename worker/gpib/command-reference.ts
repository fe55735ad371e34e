import type { ResourceSpec } from '../../protocol/index.js';

/**
 * The `++` command reference served as `gpib://protocol/commands`. Corrects two errors that
 * circulate in mcgpib's copy: an escape mechanism does exist, and `++eor 7` means "end on EOI"
 * (the "7=SPACE" comment in the ESP32 fork's controller.h is stale; the code and the manual say EOI).
 */
const reference = {
  line_protocol: {
    line_ending:
      'End every line with CR LF. Twilight AR488 executes on CR or LF; the douardda ESP32 fork ' +
      'executes on CR only and ignores LF, so LF-only lines never run there.',
    commands:
      'A line that starts with an unescaped "++" is a command for the adapter; any other line is data for the addressed instrument.',
    escaping:
      'In data, precede CR (0x0D), LF (0x0A), ESC (0x1B) and "+" (0x2B) with ESC (0x1B) so they are ' +
      'sent to the instrument instead of ending the line or starting a command. Example: bytes ' +
      '54 45 1B 53 2B 0D are sent as 54 45 1B 1B 53 1B 2B 1B 0D, then an unescaped CR LF.',
    replies:
      'Adapter replies end with CR LF. Instrument data is passed through unchanged and unterminated.',
    read_timeout:
      'A read that times out returns what arrived and no error marker; the host must time the reply itself.',
  },
  prologix_commands: {
    '++addr [PAD [SAD]]':
      'Show or set the GPIB address used for data lines: primary 1–30, secondary 96–126.',
    '++auto [0|1|2|3]':
      'Read after writes: 0 off (labrelay), 1 after every line, 2 after lines ending "?", 3 continuous.',
    '++clr': 'Selected Device Clear to the current address.',
    '++eoi [0|1]': 'Assert EOI with the last byte sent (labrelay: 1).',
    '++eos [0|1|2|3]': 'Terminator appended to data sent: 0 CR+LF, 1 CR, 2 LF, 3 none.',
    '++eot_enable [0|1]': 'Append ++eot_char to data received when EOI is seen.',
    '++eot_char [N]': 'The byte (decimal) appended when ++eot_enable is 1.',
    '++ifc': 'Pulse Interface Clear: every device stops talking and listening.',
    '++llo [all]': 'Local Lockout: disables front-panel LOCAL keys (needs REN).',
    '++loc [all]': 'Go To Local for the current address (all: drop REN).',
    '++lon [0|1]': 'Listen-only (device mode).',
    '++mode [0|1]': '0 device, 1 controller (labrelay: 1).',
    '++read [eoi|CHAR]':
      'Read from the current address until EOI (labrelay always uses eoi), a byte, or the ++eor sequence.',
    '++read_tmo_ms [N]': 'Per-byte read timeout in ms (AR488 1–32000; Prologix 1–3000).',
    '++rst': 'Reboot the adapter.',
    '++savecfg':
      'Write the configuration to EEPROM. On AR488 every call writes, whatever its argument.',
    '++spoll [PAD [SAD]|all]': 'Serial poll; prints the status byte (decimal).',
    '++srq': 'Print 1 when a device asserts SRQ, else 0.',
    '++status [N]': 'Device-mode status byte (bit 6 requests service).',
    '++trg [PAD ...]': 'Group Execute Trigger to up to 15 addresses, or the current one.',
    '++ver [real]': 'Print the firmware version string.',
    '++help': 'List the commands.',
  },
  ar488_extensions: {
    '++dcl': 'Device Clear to every device on the bus.',
    '++default': 'Reset the configuration to defaults (not saved).',
    '++eor [0-7]':
      'End of receive for reads without EOI: 0 CR+LF, 1 CR, 2 LF, 3 none, 4 LF+CR, 5 ETX, 6 CR+LF+ETX, 7 EOI.',
    '++fndl [all|a,b,...|start-end]': 'Twilight ≥ 0.53.04: list listeners, "3,5:97,22".',
    '++findlstn': 'ESP32 fork: list listeners, "5 7 22 ".',
    '++findrqs': 'ESP32 fork: find the device requesting service, "SRQ:5,80".',
    '++allspoll': 'Serial-poll every address; "SRQ:5,80" for the first with RQS.',
    '++id name|serial|verstr [value]': 'Show or set the adapter name, serial and version string.',
    '++idn [0|1|2]': 'Answer "*idn?" data lines with the adapter\'s own name (labrelay: 0).',
    '++macro [N]': 'Run a stored macro (if compiled in).',
    '++ppoll': 'Parallel poll; prints the status lines byte.',
    '++prom [0|1]': 'Promiscuous listen (device mode).',
    '++ren [0|1]': 'Remote Enable line.',
    '++repeat COUNT DELAY_MS CMD': 'Repeat a command; cannot be stopped.',
    '++setvstr STR': 'Deprecated alias of ++id verstr.',
    '++srqauto [0|1]': 'Serial-poll automatically when SRQ rises and print the byte unsolicited.',
    '++tct PAD': 'Pass control to another controller.',
    '++ton [0|1]': 'Talk-only (device mode).',
    '++verbose': 'Human-readable mode with prompts (never in a driver).',
    '++xdiag pins|0 BYTE|1 BYTE': 'Hardware diagnostics: drive the data or control lines.',
    '++wifi ssid|pass|connect|scan':
      'ESP32 fork: Wi-Fi set-up (the password is stored in plain text).',
  },
  firmware_notes: [
    'Serial at 115200 8N1 by default. UNO/Nano/Mega boards reset when the port opens; wait for ++ver.',
    'The ESP32 fork serves TCP port 23 to one client at a time and reports version 0.49.14.',
    'Serial-poll formats differ: the ESP32 fork refuses "++spoll 22" (two digits); use ++addr then ++spoll.',
    'Unknown commands print "Unrecognized command"; Twilight 0.53 also prints "Missing parameter" and "Invalid parameter".',
  ],
};

/** The `gpib://protocol/commands` resource. */
export const commandReferenceResource: ResourceSpec = {
  uri: 'gpib://protocol/commands',
  name: 'ar488-commands',
  title: 'AR488 / Prologix ++ command reference',
  description: 'The ++ commands of AR488 GPIB bridges, escaping rules and firmware differences.',
  mimeType: 'application/json',
  text: JSON.stringify(reference, null, 2),
};
