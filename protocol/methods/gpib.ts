import * as z from 'zod';
import { defineMethod } from '../define-method.js';

/** What the GPIB method declarations depend on: the configured bridges and their slowest limits. */
export interface GpibCatalogOptions {
  /** Configured bridge names; `bridge_name` accepts exactly these. */
  bridges: readonly string[];
  /** Largest read_timeout_ms of any bridge: one transaction's reply. */
  readTimeoutMs: number;
  /** Largest ++read_tmo_ms + link slack of any bridge: how long a silent instrument costs. */
  adapterTimeoutMs: number;
  /** Largest inter_command_delay_ms. */
  interCommandDelayMs: number;
  /** Largest connect_timeout_ms + startup_window_ms. */
  connectMs: number;
}

const RESOURCE = 'gpib:{bridge_name}';
const MARGIN_MS = 2000;

/**
 * The GPIB bench methods: mcgpib's 22 with its argument names (`bridge_name`, `address`,
 * `command`), plus binary block reads, SRQ waits and the wire record in every result. Built from
 * the config, because `bridge_name` lists the configured bridges and every deadline nests above
 * the bridges' own read timeouts.
 */
export function gpibMethods(o: GpibCatalogOptions) {
  const names = (o.bridges.length > 0 ? o.bridges : ['bench']) as [string, ...string[]];
  const BridgeName = z.enum(names).describe(`Configured bridge: ${names.join(', ')}.`);
  const Address = z
    .number()
    .int()
    .min(1)
    .max(30)
    .describe('GPIB primary address of the instrument, 1–30 (0 is the controller).');
  const Secondary = z
    .number()
    .int()
    .min(0)
    .max(30)
    .optional()
    .describe('GPIB secondary address 0–30, for instruments that use one (sent as 96–126).');
  const Command = z
    .string()
    .min(1)
    .max(4096)
    .describe(
      'Message for the instrument, e.g. "MEAS:VOLT:DC?" (no terminator: the bridge adds ++eos).',
    );
  const Wire = z
    .array(z.string())
    .describe(
      'Lines sent to the adapter, each followed by CR LF; bytes outside printable ASCII as \\xNN.',
    );
  const IdentitySchema = z
    .object({
      manufacturer: z.string(),
      model: z.string(),
      serial: z.string(),
      firmware: z.string(),
      raw: z.string(),
    })
    .nullable()
    .describe('Parsed *IDN? reply, or null when the instrument does not answer *IDN?.');
  const Instrument = z.object({
    bridge_name: z.string(),
    address: z.number().int(),
    secondary_address: z.number().int().optional(),
    status: z.enum(['identified', 'listener found']),
    identity: IdentitySchema,
    seen_at: z.string().describe('ISO time of the scan that found it.'),
  });
  const StatusByte = z.object({
    address: z.number().int(),
    status_byte: z
      .number()
      .int()
      .nullable()
      .describe('Serial-poll byte; null when the device did not respond.'),
    rqs: z.boolean().describe('Bit 6 (RQS): this device requested service.'),
    bits: z
      .array(z.string())
      .describe(
        'IEEE 488.2 names of the set bits: MAV (16), ESB (32), RQS (64), others by number.',
      ),
  });
  const perTransaction = o.readTimeoutMs + 4 * o.interCommandDelayMs + MARGIN_MS;
  const scanMs = 30 * (o.readTimeoutMs + o.adapterTimeoutMs + 6 * o.interCommandDelayMs) + 10_000;
  const bridgeOnly = z.strictObject({ bridge_name: BridgeName });
  const target = { bridge_name: BridgeName, address: Address, secondary_address: Secondary };
  const io = (extra: Record<string, z.ZodType> = {}) =>
    z.object({
      bridge_name: z.string(),
      address: z.number().int(),
      ...extra,
      wire: Wire,
    });
  const common = { readOnly: false, idempotent: false, destructive: false, mcp: true } as const;
  // Methods that answer from the worker's memory: nothing is sent on a bus.
  const fromMemory = {
    readOnly: true,
    idempotent: true,
    resource: null,
    deadline: { base_ms: 2000 },
  } as const;
  const Transport = z.enum(['serial', 'tcp']);
  const State = z.enum(['disconnected', 'connecting', 'connected', 'reconnecting']);

  return {
    // ---- bridges -------------------------------------------------------------------------
    list_bridges: defineMethod({
      ...common,
      title: 'List GPIB bridges',
      description:
        'List the configured AR488 GPIB bridges with their link (serial port or TCP host), ' +
        'connection state, firmware and how many instruments their last scan found.',
      params: z.strictObject({}),
      result: z.object({
        bridges: z.array(
          z.object({
            name: z.string(),
            transport: Transport,
            endpoint: z.string().describe('Serial device path or host:port.'),
            state: State,
            firmware_version: z.string().nullable(),
            instruments: z.number().int(),
            last_error: z.string().nullable(),
          }),
        ),
      }),
      ...fromMemory,
    }),
    bridge_status: defineMethod({
      ...common,
      title: 'Bridge status',
      description:
        'Show one bridge in detail: state, firmware and how it finds listeners, the address the ' +
        'adapter holds, timeouts and delays, and link counters (transactions, reconnects, bytes).',
      params: bridgeOnly,
      result: z.object({
        name: z.string(),
        transport: Transport,
        endpoint: z.string(),
        connection_state: State,
        firmware_version: z.string().nullable(),
        listener_search: z.enum(['fndl', 'findlstn', 'probe']).nullable(),
        current_address: z.number().int().nullable(),
        read_timeout_ms: z.number().int(),
        read_tmo_ms: z.number().int(),
        inter_command_delay_ms: z.number().int(),
        eos: z.number().int(),
        transactions: z.number().int(),
        reconnects: z.number().int(),
        bytes_sent: z.number().int(),
        bytes_received: z.number().int(),
        stale_bytes_discarded: z.number().int(),
        last_error: z.string().nullable(),
      }),
      ...fromMemory,
    }),
    connect_bridge: defineMethod({
      ...common,
      title: 'Connect a bridge',
      description:
        "Open the link to a bridge, put the AR488 in controller mode with labrelay's settings " +
        '(never saving them to its EEPROM) and check it answers ++ver; then scan the bus if the ' +
        'bridge is configured to.',
      params: bridgeOnly,
      result: z.object({
        bridge_name: z.string(),
        firmware_version: z.string(),
        instruments: z
          .array(Instrument)
          .describe('Found by the scan; empty when auto_scan is off.'),
      }),
      idempotent: true,
      resource: RESOURCE,
      deadline: { base_ms: o.connectMs + scanMs + MARGIN_MS },
    }),
    disconnect_bridge: defineMethod({
      ...common,
      title: 'Disconnect a bridge',
      description:
        'Close the link to a bridge. Instruments keep their state; nothing is sent to them.',
      params: bridgeOnly,
      result: z.object({ bridge_name: z.string(), state: z.literal('disconnected') }),
      idempotent: true,
      resource: RESOURCE,
      deadline: { base_ms: 5000 },
    }),
    configure_bridge: defineMethod({
      ...common,
      title: 'Configure a bridge',
      description:
        "Change a bridge's timeouts, pacing or terminator for this session (not saved to the " +
        "adapter's EEPROM). read_tmo_ms must stay below read_timeout_ms so the adapter gives up " +
        'on a silent instrument before labrelay does.',
      params: z.strictObject({
        bridge_name: BridgeName,
        read_timeout_ms: z
          .number()
          .int()
          .min(100)
          .max(120_000)
          .optional()
          .describe('Host limit for one reply, ms (100–120000).'),
        read_tmo_ms: z
          .number()
          .int()
          .min(1)
          .max(32_000)
          .optional()
          .describe('Adapter ++read_tmo_ms, per byte, ms (1–32000).'),
        inter_command_delay_ms: z
          .number()
          .int()
          .min(0)
          .max(1000)
          .optional()
          .describe('Pause between lines, ms (0–1000).'),
        eos: z
          .number()
          .int()
          .min(0)
          .max(3)
          .optional()
          .describe('Terminator for instruments: 0 CR+LF, 1 CR, 2 LF, 3 none.'),
        auto_identify: z
          .boolean()
          .optional()
          .describe('Send *IDN? to listeners found by bus_scan.'),
      }),
      result: z.object({
        bridge_name: z.string(),
        read_timeout_ms: z.number().int(),
        read_tmo_ms: z.number().int(),
        inter_command_delay_ms: z.number().int(),
        eos: z.number().int(),
        auto_identify: z.boolean(),
        wire: Wire,
      }),
      idempotent: true,
      resource: RESOURCE,
      deadline: { base_ms: perTransaction },
    }),

    // ---- bus ---------------------------------------------------------------------------
    bus_scan: defineMethod({
      ...common,
      title: 'Scan a GPIB bus',
      description:
        "Find every listener on a bridge's bus (++fndl, ++findlstn, or a serial poll of each " +
        'address, whichever the firmware has) and, with identify, ask each for *IDN?. The result ' +
        "replaces the bridge's entries in list_instruments.",
      params: z.strictObject({
        bridge_name: BridgeName,
        identify: z.boolean().default(true).describe('Send *IDN? to each listener found.'),
      }),
      result: z.object({
        bridge_name: z.string(),
        method: z.enum(['fndl', 'findlstn', 'probe']).describe('How listeners were found.'),
        instruments: z.array(Instrument),
        wire: Wire,
      }),
      resource: RESOURCE,
      deadline: { base_ms: scanMs },
    }),
    serial_poll: defineMethod({
      ...common,
      title: 'Serial poll',
      description:
        'Read the status byte of one instrument (or of every instrument the last scan found). ' +
        'Polling clears its RQS bit. A device that does not respond gets status_byte null.',
      params: z.strictObject({
        bridge_name: BridgeName,
        address: Address.optional().describe(
          'Address to poll, 1–30; omitted: every known listener.',
        ),
        secondary_address: Secondary,
      }),
      result: z.object({ bridge_name: z.string(), results: z.array(StatusByte), wire: Wire }),
      resource: RESOURCE,
      deadline: { base_ms: 30 * (o.adapterTimeoutMs + 3 * o.interCommandDelayMs) + MARGIN_MS },
    }),
    check_srq: defineMethod({
      ...common,
      title: 'Check SRQ',
      description:
        'Report whether any instrument holds the SRQ line and, if one does, serial-poll the known ' +
        'instruments to say which (polling clears their RQS).',
      params: bridgeOnly,
      result: z.object({
        bridge_name: z.string(),
        srq: z.boolean(),
        requesting: z.array(StatusByte).describe('Devices whose status byte had RQS set.'),
        wire: Wire,
      }),
      resource: RESOURCE,
      deadline: { base_ms: 30 * (o.adapterTimeoutMs + 3 * o.interCommandDelayMs) + MARGIN_MS },
    }),
    wait_srq: defineMethod({
      ...common,
      title: 'Wait for a service request',
      description:
        'Wait until an instrument asserts SRQ (e.g. after *OPC with *ESE 1 and *SRE 32), polling ' +
        'the line instead of sleeping, then serial-poll to find who. Other calls on the bridge go on ' +
        'between polls. Reports progress; cancellable. srq=false when timeout_ms passed first.',
      params: z.strictObject({
        bridge_name: BridgeName,
        timeout_ms: z
          .number()
          .int()
          .min(10)
          .max(3_600_000)
          .describe('How long to wait, ms (10–3600000).'),
        poll_interval_ms: z
          .number()
          .int()
          .min(5)
          .max(10_000)
          .default(50)
          .describe('Time between ++srq checks, ms.'),
      }),
      result: z.object({
        bridge_name: z.string(),
        srq: z.boolean(),
        waited_ms: z.number(),
        requesting: z.array(StatusByte),
        wire: Wire,
      }),
      readOnly: false,
      // A lane of its own: waiting must not hold the bridge for other calls.
      resource: 'gpib-srq:{bridge_name}',
      deadline: {
        base_ms: 5000 + perTransaction * 2,
        terms: [{ params: ['timeout_ms'], ms_per_unit: 1 }],
      },
    }),
    bus_clear: defineMethod({
      ...common,
      title: 'Clear instruments',
      description:
        'Send Selected Device Clear to one instrument (++clr), or Device Clear to every instrument ' +
        'on the bus when no address is given (++dcl). Clears their input and output buffers; ' +
        'settings stay.',
      params: z.strictObject({
        bridge_name: BridgeName,
        address: Address.optional().describe('Instrument to clear, 1–30; omitted: all (DCL).'),
        secondary_address: Secondary,
      }),
      result: z.object({ bridge_name: z.string(), cleared: z.string(), wire: Wire }),
      resource: RESOURCE,
      deadline: { base_ms: perTransaction },
    }),
    bus_trigger: defineMethod({
      ...common,
      title: 'Trigger instruments',
      description:
        'Send Group Execute Trigger (++trg) to the given addresses, or to the current address when ' +
        'none are given. Instruments armed with TRIG:SOUR BUS take a reading.',
      params: z.strictObject({
        bridge_name: BridgeName,
        addresses: z.array(Address).max(15).optional().describe('Up to 15 addresses, each 1–30.'),
      }),
      result: z.object({
        bridge_name: z.string(),
        triggered: z.array(z.number().int()),
        wire: Wire,
      }),
      resource: RESOURCE,
      deadline: { base_ms: perTransaction },
    }),
    interface_clear: defineMethod({
      ...common,
      title: 'Interface clear',
      description:
        'Pulse IFC (++ifc): every instrument stops talking and listening and the adapter becomes ' +
        'controller in charge. Use when the bus is hung; instruments keep their settings.',
      params: bridgeOnly,
      result: z.object({ bridge_name: z.string(), wire: Wire }),
      idempotent: true,
      resource: RESOURCE,
      deadline: { base_ms: perTransaction },
    }),
    parallel_poll: defineMethod({
      ...common,
      title: 'Parallel poll',
      description: 'Conduct a parallel poll (++ppoll) and return the byte of status lines.',
      params: bridgeOnly,
      result: z.object({
        bridge_name: z.string(),
        status_byte: z.number().int().nullable(),
        wire: Wire,
      }),
      readOnly: true,
      resource: RESOURCE,
      deadline: { base_ms: perTransaction },
    }),

    // ---- instruments ---------------------------------------------------------------------
    instrument_query: defineMethod({
      ...common,
      title: 'Query an instrument',
      description:
        'Send a command to an instrument and read its reply, e.g. "MEAS:VOLT:DC?" → "+4.23451000E+00". ' +
        'Every byte is escaped so it arrives intact. Queries can change instrument state ' +
        '(MEAS: reconfigures the function), so they are not retried on a timeout.',
      params: z.strictObject({
        ...target,
        command: Command,
        timeout_ms: z
          .number()
          .int()
          .min(100)
          .max(600_000)
          .optional()
          .describe("Longest wait for the whole reply, ms; default the bridge's read_timeout_ms."),
      }),
      result: io({
        command: z.string(),
        response: z.string().describe('The reply with its final CR/LF removed.'),
        bytes: z.number().int(),
        elapsed_ms: z.number(),
      }),
      resource: RESOURCE,
      deadline: { base_ms: perTransaction, terms: [{ params: ['timeout_ms'], ms_per_unit: 1 }] },
    }),
    instrument_query_binary: defineMethod({
      ...common,
      title: 'Query binary data',
      description:
        "Send a command whose reply is an IEEE 488.2 block (#<n><length><bytes>), e.g. a scope's " +
        'CURVe?, read it whole whatever bytes it holds, check its length and store it as an ' +
        'artifact file. Returns the path, size, checksum and the first bytes — never the data itself.',
      params: z.strictObject({
        ...target,
        command: Command,
        timeout_ms: z.number().int().min(100).max(600_000).optional().describe('Longest wait, ms.'),
      }),
      result: io({
        command: z.string(),
        artifact_path: z
          .string()
          .describe('Absolute path of the .bin file holding the block data.'),
        metadata_path: z.string().describe('Absolute path of the JSON sidecar.'),
        bytes: z.number().int().describe('Block data bytes (header and terminator excluded).'),
        header: z.string().describe('The block header, e.g. "#42500".'),
        sha256: z.string(),
        head_hex: z.string().describe('The first 32 data bytes in hex.'),
        elapsed_ms: z.number(),
      }),
      resource: RESOURCE,
      deadline: {
        base_ms: perTransaction + 60_000,
        terms: [{ params: ['timeout_ms'], ms_per_unit: 1 }],
      },
    }),
    instrument_write: defineMethod({
      ...common,
      title: 'Write to an instrument',
      description:
        'Send a command that expects no reply, e.g. "CONF:VOLT:DC 10" or "OUTP ON". Changes the ' +
        'instrument; not retried on a timeout.',
      params: z.strictObject({ ...target, command: Command }),
      result: io({ command: z.string(), bytes_sent: z.number().int() }),
      resource: RESOURCE,
      deadline: { base_ms: perTransaction },
    }),
    instrument_identify: defineMethod({
      ...common,
      title: 'Identify an instrument',
      description:
        'Ask one instrument for *IDN? and parse manufacturer, model, serial and firmware. ' +
        'Instruments without *IDN? (HP 3478A) give identity null.',
      params: z.strictObject(target),
      result: io({ identity: IdentitySchema }),
      resource: RESOURCE,
      deadline: { base_ms: perTransaction },
    }),
    list_instruments: defineMethod({
      ...common,
      title: 'List known instruments',
      description:
        'List the instruments found by the last bus_scan of each bridge (or one bridge), from ' +
        'memory: nothing is sent on the bus.',
      params: z.strictObject({ bridge_name: BridgeName.optional().describe('Only this bridge.') }),
      result: z.object({ instruments: z.array(Instrument) }),
      ...fromMemory,
    }),
    instrument_reset: defineMethod({
      ...common,
      title: 'Reset an instrument',
      description:
        'Send *RST then *CLS: the instrument returns to its power-on settings and its status and ' +
        'error queue are cleared. Outputs of a power supply turn off. Destructive to the set-up.',
      params: z.strictObject(target),
      result: io({}),
      destructive: true,
      resource: RESOURCE,
      deadline: { base_ms: perTransaction },
    }),
    instrument_local: defineMethod({
      ...common,
      title: 'Return to local',
      description: "Send Go To Local (++loc) so the instrument's front panel works again.",
      params: z.strictObject(target),
      result: io({}),
      idempotent: true,
      resource: RESOURCE,
      deadline: { base_ms: perTransaction },
    }),
    instrument_remote: defineMethod({
      ...common,
      title: 'Put in remote',
      description:
        'Assert REN (++ren 1) so the instrument goes remote when next addressed; with lockout, ' +
        'also send Local Lockout (++llo) so its front panel LOCAL key is disabled.',
      params: z.strictObject({
        ...target,
        lockout: z
          .boolean()
          .default(false)
          .describe('Also disable the front-panel LOCAL key (LLO).'),
      }),
      result: io({}),
      idempotent: true,
      resource: RESOURCE,
      deadline: { base_ms: perTransaction },
    }),

    // ---- low level -----------------------------------------------------------------------
    raw_command: defineMethod({
      ...common,
      title: 'Raw adapter command',
      description:
        'Send one ++ command to the AR488 and return the lines it prints, e.g. "++ver", "++help", ' +
        '"++read_tmo_ms". Refused unless the config allows them: ++savecfg (writes EEPROM), ++rst ' +
        '(reboots the adapter), ++mode 0 (device mode), ++wifi, ++xdiag, ++repeat.',
      params: z.strictObject({
        bridge_name: BridgeName,
        command: z
          .string()
          .regex(/^\+\+[A-Za-z_]+( .*)?$/, 'must be one ++ command, e.g. "++ver"')
          .max(120)
          .describe('One ++ command with its arguments, e.g. "++eor 7".'),
      }),
      result: z.object({
        bridge_name: z.string(),
        command: z.string(),
        reply: z.array(z.string()),
        wire: Wire,
      }),
      resource: RESOURCE,
      deadline: { base_ms: perTransaction },
    }),
    raw_scpi: defineMethod({
      ...common,
      title: 'Raw instrument I/O',
      description:
        'Send bytes to an instrument exactly as given (text, or data_base64 for binary such as a ' +
        'waveform upload), then optionally read a reply, returned as text and base64. For anything ' +
        'instrument_query/instrument_write cannot express.',
      params: z.strictObject({
        ...target,
        command: z.string().max(65_536).optional().describe('Text to send; or give data_base64.'),
        data_base64: z
          .string()
          .max(1_400_000)
          .optional()
          .describe('Bytes to send, base64 (≤ 1 MiB).'),
        read: z.boolean().default(false).describe('Read a reply afterwards (++read eoi).'),
        timeout_ms: z
          .number()
          .int()
          .min(100)
          .max(600_000)
          .optional()
          .describe('Longest wait for the reply, ms.'),
      }),
      result: io({
        bytes_sent: z.number().int(),
        response: z
          .string()
          .nullable()
          .describe('The reply as text (latin1), null when read is false.'),
        response_base64: z.string().nullable(),
      }),
      resource: RESOURCE,
      deadline: { base_ms: perTransaction, terms: [{ params: ['timeout_ms'], ms_per_unit: 1 }] },
    }),
    bus_diagnostic: defineMethod({
      ...common,
      title: 'Diagnose a bridge',
      description:
        'Check a bridge end to end: the link, ++ver, the settings the adapter reports back ' +
        '(mode, auto, eoi, eos, read_tmo_ms), the SRQ line and link counters, with a finding per ' +
        'problem and what to do about it.',
      params: bridgeOnly,
      result: z.object({
        bridge_name: z.string(),
        ok: z.boolean(),
        firmware_version: z.string().nullable(),
        settings: z
          .record(z.string(), z.string().nullable())
          .describe('Setting → what the adapter reported.'),
        srq: z.boolean().nullable(),
        findings: z.array(z.string()),
        wire: Wire,
      }),
      readOnly: true,
      resource: RESOURCE,
      deadline: { base_ms: perTransaction * 4 },
    }),
  };
}

/** The GPIB catalog's type (bridge names as strings). */
export type GpibCatalog = ReturnType<typeof gpibMethods>;
