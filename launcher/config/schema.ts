import { availableParallelism } from 'node:os';
import * as z from 'zod';
import { STDIO_MAX_MESSAGE_BYTES } from '../../frontend/stdio.js';
import { DEFAULT_WORKER_ENDPOINT, PAYLOAD_FORMATS, curveKeyProblem } from '../../protocol/index.js';
import { gpibDriverClassNames } from '../../worker/gpib/drivers/driver-catalog.js';
import { PolicySection } from '../../worker/safety/policy-config.js';

const Endpoint = z
  .string()
  .regex(/^(tcp:\/\/[^\s:]+:\d+|ipc:\/\/\S+)$/, 'must be tcp://HOST:PORT or ipc://PATH')
  .describe('A ZeroMQ endpoint: tcp://HOST:PORT or ipc://PATH.');

const CurveKey = z
  .string()
  .superRefine((key, ctx) => {
    const problem = curveKeyProblem(key);
    if (problem) ctx.addIssue({ code: 'custom', message: `a CURVE key ${problem}` });
  })
  .describe('A CURVE key in Z85 (40 characters), as `labrelay keys` prints it.');

/** A worker's CURVE keys (ZeroMQ RFC 26): required to bind anything but loopback or ipc. */
const CurveServerSection = z.strictObject({
  public_key: CurveKey,
  secret_key: CurveKey,
  authorized_clients: z
    .array(CurveKey)
    .min(1)
    .optional()
    .describe('Client public keys let in; default: any client that knows public_key.'),
});

/** A client's CURVE key pair (the frontend's, or a bench script's). */
const CurveClientSection = z.strictObject({ public_key: CurveKey, secret_key: CurveKey });

const WorkerName = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9_-]{0,31}$/,
    'must be 1–32 letters, digits, "-" or "_", from a letter',
  );

const Milliseconds = (min: number, max: number, fallback: number) =>
  z.number().int().min(min).max(max).default(fallback);

/** The `worker:` section. */
export const WorkerSection = z.strictObject({
  name: z.string().min(1).default('labrelay').describe('Shown in describe and in logs.'),
  bind: Endpoint.default(DEFAULT_WORKER_ENDPOINT),
  events_endpoint: Endpoint.optional().describe('PUB endpoint; default: the next TCP port.'),
  curve: CurveServerSection.optional().describe(
    'CURVE keys; required to bind an address other than loopback.',
  ),
  data_dir: z
    .string()
    .optional()
    .describe('Where the audit log and artifacts go; default $XDG_STATE_HOME/labrelay.'),
  audit_log: z
    .union([z.string().min(1), z.literal(false)])
    .optional()
    .describe('Audit log path (relative to data_dir), or false to disable; default audit.jsonl.'),
  audit_fsync: z.boolean().default(false).describe('fsync after every audit line.'),
  queue_timeout_ms: Milliseconds(100, 86_400_000, 120_000),
  shutdown_grace_ms: Milliseconds(0, 600_000, 5_000),
  diagnostics: z.boolean().default(false).describe('Serve the diag_* test methods.'),
  reply_cache: z
    .strictObject({
      entries: z.number().int().min(0).default(10_000),
      max_bytes: z
        .number()
        .int()
        .min(0)
        .default(64 * 1024 * 1024),
    })
    .prefault({}),
});

/** The `frontend:` section. */
export const FrontendSection = z.strictObject({
  worker: Endpoint.optional().describe('Worker endpoint; default: worker.bind.'),
  workers: z
    .array(
      z.strictObject({
        name: WorkerName,
        endpoint: Endpoint,
        prefix: z
          .string()
          .regex(
            /^[A-Za-z][A-Za-z0-9_]{0,23}$/,
            'must be 1–24 letters, digits or "_", from a letter',
          )
          .optional()
          .describe('Serve its tools as <prefix>_<tool>; needed when two workers share a name.'),
        server_public_key: CurveKey.optional().describe("The worker's CURVE public key."),
      }),
    )
    .min(1)
    .optional()
    .describe(
      'The workers served on this endpoint, in order; default: the local worker, plus the ' +
        'Tango bridge when `tango:` is set.',
    ),
  curve: CurveClientSection.optional().describe(
    "The frontend's CURVE key pair, for workers with a server_public_key; default: a fresh one " +
      'per start (enough unless the worker lists authorized_clients).',
  ),
  worker_wait_ms: Milliseconds(0, 600_000, 10_000).describe(
    'How long start-up waits for every worker before serving those that answered.',
  ),
  liveness_timeout_ms: Milliseconds(1500, 600_000, 3_000).describe(
    'A worker silent this long (it heartbeats every second) is down: its tools are withdrawn.',
  ),
  transport: z.enum(['http', 'stdio']).default('http'),
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65_535).default(8050),
  path: z
    .string()
    .regex(/^\/[A-Za-z0-9._~/-]*$/, 'must start with / and hold only URL path characters')
    .default('/mcp'),
  allowed_hosts: z
    .array(z.string().min(1))
    .optional()
    .describe('Host header names accepted; default: loopback names plus the bind address.'),
  allowed_origins: z
    .array(z.string().min(1))
    .optional()
    .describe('Origin header values accepted from browsers; default: none but loopback.'),
  call_slack_ms: Milliseconds(0, 600_000, 2_000).describe(
    'Added to a method deadline and the queue timeout before the frontend gives up.',
  ),
  idempotent_retries: z.number().int().min(0).max(10).default(2),
  max_sessions: z.number().int().min(1).max(100_000).default(256),
  stdio_max_message_bytes: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31)
    .default(STDIO_MAX_MESSAGE_BYTES)
    .describe(
      'Largest message sent over stdio; a larger result becomes an error that says so. The ' +
        "MCP TypeScript SDK's stdio client (the Inspector's) drops a longer line with its " +
        'session; fastmcp has no limit. 0: none.',
    ),
  max_sockets: z.number().int().min(1).max(10_000).default(256),
  toolsets: z
    .array(z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'must be a toolset or device class name'))
    .min(1)
    .default(['default'])
    .describe(
      'Tools listed: core, safety, eaa, imaging, gpib, gpib_low, diagnostics, tango, devices, a ' +
        'device class (HP34401A), default (core, safety, eaa, gpib) or all. search_tools and ' +
        'call_tool reach the rest.',
    ),
  read_only: z
    .boolean()
    .default(false)
    .describe('List no tool that writes (the worker refuses writes too: policy.writes: deny).'),
  output_schemas: z
    .boolean()
    .default(false)
    .describe("List every tool's output schema (they cost context; clients rarely use them)."),
  console: z
    .boolean()
    .default(true)
    .describe(
      'Serve the supervisor console at / (on host:port; with transport stdio the console alone ' +
        'listens there). false or --no-console: none.',
    ),
});

const DeviceClassName = z
  .string()
  .regex(/^[A-Z][A-Za-z0-9_]{0,47}$/, 'must be a device class name such as HP34401A');

/** A device command as blocking rules name it: `command`, `Class.command` or `Class.*`. */
const CommandRule = z
  .string()
  .regex(
    /^([A-Za-z][A-Za-z0-9_]*\.)?([A-Za-z][A-Za-z0-9_]*|\*)$/,
    'must be command, Class.command or Class.*',
  );

/** The `devices:` section: which device commands become tools, and device plugins. */
export const DevicesSection = z.strictObject({
  attribute_tools: z
    .boolean()
    .default(false)
    .describe('Also serve Class_get_<attr> / Class_set_<attr> tools for device attributes.'),
  blocked_functions: z
    .union([z.array(CommandRule), z.record(z.string().min(1), z.array(CommandRule))])
    .default([])
    .describe(
      'Commands neither listed nor callable: a list (every class), or a map from a class name ' +
        'or "*" to its commands; entries may be Class.command or Class.*.',
    ),
  blocked_classes: z
    .array(z.string().min(1))
    .default([])
    .describe(
      'Device classes left out entirely (case-insensitive), besides DataBase and DServer, ' +
        'which always are.',
    ),
  include_only: z
    .array(CommandRule)
    .default([])
    .describe('When not empty, only these commands are served; blocking still wins.'),
  plugins: z
    .array(
      z.union([
        z.string().min(1),
        z.strictObject({
          path: z.string().min(1),
          options: z.record(z.string(), z.unknown()).default({}),
        }),
      ]),
    )
    .default([])
    .describe('Device modules (.js) to load, relative to this file, e.g. ./my-detector.js.'),
});

const BridgeCommon = {
  name: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1–32 letters, digits, "-" or "_"')
    .describe('Bridge name used in every GPIB call, e.g. bench-a.'),
  read_timeout_ms: z.number().int().min(100).max(120_000).default(3000),
  read_tmo_ms: z.number().int().min(1).max(32_000).default(1200),
  inter_command_delay_ms: z.number().int().min(0).max(1000).default(10),
  eos: z.number().int().min(0).max(3).default(0),
  connect_timeout_ms: z.number().int().min(100).max(120_000).default(5000),
  startup_window_ms: z.number().int().min(0).max(60_000).default(4000),
  link_slack_ms: z.number().int().min(0).max(10_000).default(200),
  auto_scan: z.boolean().default(true),
  auto_identify: z.boolean().default(true),
  firmware: z.enum(['auto', 'twilight', 'esp32', 'prologix']).default('auto'),
  instruments: z
    .record(
      z
        .string()
        .regex(
          /^([1-9]|[12]\d|30)(\.([0-9]|[12]\d|30))?$/,
          'must be a GPIB address 1–30, or address.secondary such as 9.2',
        ),
      DeviceClassName.refine((name) => gpibDriverClassNames().includes(name), {
        error: (issue) =>
          `no GPIB driver is named ${JSON.stringify(issue.input)}; drivers: ${gpibDriverClassNames().join(', ')}`,
      }),
    )
    .default({})
    .describe(
      'Driver class per address, e.g. {"23": "HP3478A"}: for instruments without *IDN? (an HP ' +
        '3478A), or to override the class *IDN? would choose.',
    ),
};

/** One AR488 bridge: over USB serial or over TCP (ESP32 firmware). */
export const BridgeSection = z
  .discriminatedUnion('transport', [
    z.strictObject({
      ...BridgeCommon,
      transport: z.literal('serial'),
      port: z.string().min(1).describe('Serial device, e.g. /dev/ttyUSB0.'),
      baud: z.number().int().min(300).max(4_000_000).default(115200),
    }),
    z.strictObject({
      ...BridgeCommon,
      transport: z.literal('tcp'),
      host: z.string().min(1),
      port: z.number().int().min(1).max(65_535).default(23),
    }),
  ])
  .refine((b) => b.read_tmo_ms < b.read_timeout_ms, {
    message: 'read_tmo_ms must be below read_timeout_ms (the adapter gives up before the host)',
    path: ['read_tmo_ms'],
  });

/** The `gpib:` section. */
export const GpibSection = z.strictObject({
  bridges: z
    .array(BridgeSection)
    .default([])
    .refine((list) => new Set(list.map((b) => b.name)).size === list.length, {
      message: 'bridge names must be unique',
    }),
  allow_raw_commands: z
    .array(z.enum(['++savecfg', '++rst', '++mode 0', '++wifi', '++xdiag', '++repeat']))
    .default([])
    .describe('Guarded ++ commands raw_command may send.'),
});

const OpticsParameter = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an identifier, e.g. z'),
    true_value: z.number().describe('Where the simulated optics focus.'),
    lower: z.number(),
    upper: z.number(),
    initial: z.number().optional().describe('Where the optics start; default: upper.'),
  })
  .refine((p) => p.lower < p.upper, { message: 'lower must be below upper', path: ['lower'] })
  .refine((p) => p.true_value >= p.lower && p.true_value <= p.upper, {
    message: 'true_value must lie within [lower, upper]',
    path: ['true_value'],
  })
  .refine((p) => p.initial === undefined || (p.initial >= p.lower && p.initial <= p.upper), {
    message: 'initial must lie within [lower, upper]',
    path: ['initial'],
  });

/** The `imaging:` section: a scanning microscope with EAA's tools. Absent: no microscope. */
export const ImagingSection = z.strictObject({
  microscope: z
    .literal('simulated')
    .describe('The microscope driven; the simulated one is built in.'),
  seed: z.number().int().default(1).describe('Seed of the simulated specimen and noise.'),
  parameters: z
    .array(OpticsParameter)
    .min(1)
    .default([{ name: 'z', true_value: 3, lower: 0, upper: 10 }])
    .refine((list) => new Set(list.map((p) => p.name)).size === list.length, {
      message: 'parameter names must be unique',
    }),
  // EAA's own (SimulatedSetParameters, its example server): at 10 its default ncc registration
  // misses by units and the focusing loop fits the neighbouring grid line.
  blur_factor: z.number().min(0).default(5),
  drift_factor: z.number().min(0).default(10),
  poisson_noise_scale: z.number().min(0).default(100),
  scan_jitter: z.number().min(0).default(0),
  dwell_us: z.number().min(0).default(0).describe('Dwell time per pixel, µs.'),
  line_scan_return_gaussian_fit: z.boolean().default(true),
  png_bit_depth: z.union([z.literal(8), z.literal(16)]).default(8),
  thumbnails: z.boolean().default(false).describe('Also return small PNGs as MCP image blocks.'),
  payload_format: z.enum(PAYLOAD_FORMATS).default('encoded_data'),
  keep_last: z
    .number()
    .int()
    .min(0)
    .default(0)
    .describe('Keep only the newest N acquisitions on disk; 0 keeps all.'),
  max_samples: z
    .number()
    .int()
    .min(16)
    .max(16_384)
    .default(4096)
    .describe('Most samples along one side.'),
  scan_threads: z
    .number()
    .int()
    .min(0)
    .max(64)
    .default(Math.min(4, availableParallelism()))
    .describe('Threads that compute simulated image scans; 0 computes on the event loop.'),
});

/** The `tango:` section: a Tango bridge worker (Python, PyTango) the launcher starts. */
export const TangoSection = z.strictObject({
  name: WorkerName.default('tango'),
  bind: Endpoint.default('tcp://127.0.0.1:5580'),
  events_endpoint: Endpoint.optional().describe('PUB endpoint; default: the next TCP port.'),
  python: z
    .string()
    .min(1)
    .optional()
    .describe('Interpreter with PyTango and pyzmq; default: python3, then /usr/bin/python3.'),
  tango_host: z
    .string()
    .regex(/^[^\s:]+:\d+$/, 'must be HOST:PORT')
    .optional()
    .describe('Tango database to discover exported devices from; default: $TANGO_HOST.'),
  devices: z
    .array(
      z
        .string()
        .regex(
          /^(tango:\/\/[^\s/]+:\d+\/)?[^\s/#]+\/[^\s/#]+\/[^\s/#]+(#dbase=(no|yes))?$/,
          'must be domain/family/member or tango://HOST:PORT/domain/family/member#dbase=no',
        ),
    )
    .default([])
    .describe(
      'Devices to serve without a database, e.g. tango://host:port/sys/tg_test/1#dbase=no.',
    ),
  timeout_ms: Milliseconds(100, 3_600_000, 30_000).describe('Per-call device proxy timeout.'),
  queue_timeout_ms: Milliseconds(100, 86_400_000, 120_000),
  rediscover_s: z.number().min(0).max(3600).default(10).describe('0 turns rediscovery off.'),
  attribute_tools: DevicesSection.shape.attribute_tools,
  blocked_functions: DevicesSection.shape.blocked_functions,
  blocked_classes: DevicesSection.shape.blocked_classes,
  include_only: DevicesSection.shape.include_only,
  audit_log: z
    .union([z.string().min(1), z.literal(false)])
    .optional()
    .describe('Audit log path (relative to worker.data_dir); default tango-audit.jsonl.'),
  curve: CurveServerSection.optional(),
});

/** The `launcher:` section. */
export const LauncherSection = z.strictObject({
  worker_startup_timeout_ms: Milliseconds(100, 600_000, 15_000),
  restart_initial_delay_ms: Milliseconds(0, 600_000, 200),
  restart_max_delay_ms: Milliseconds(0, 3_600_000, 10_000),
});

/** A labrelay config file (YAML). Every section and key is optional. */
export const ConfigSchema = z
  .strictObject({
    worker: WorkerSection.prefault({}),
    gpib: GpibSection.prefault({}),
    imaging: ImagingSection.optional(),
    devices: DevicesSection.prefault({}),
    frontend: FrontendSection.prefault({}),
    tango: TangoSection.optional(),
    policy: PolicySection.optional(),
    launcher: LauncherSection.prefault({}),
  })
  .superRefine((config, ctx) => {
    const workers = config.frontend.workers;
    if (!workers) return;
    for (const key of ['name', 'endpoint', 'prefix'] as const) {
      const seen = new Set<string>();
      workers.forEach((w, i) => {
        const value = w[key];
        if (value === undefined) return;
        if (seen.has(value)) {
          ctx.addIssue({
            code: 'custom',
            path: ['frontend', 'workers', i, key],
            message: `${key} ${JSON.stringify(value)} is used by two workers; each must be unique`,
          });
        }
        seen.add(value);
      });
    }
    if (config.tango && !workers.some((w) => w.endpoint === config.tango!.bind)) {
      ctx.addIssue({
        code: 'custom',
        path: ['tango', 'bind'],
        message:
          `the Tango bridge at ${config.tango.bind} is not among frontend.workers; add ` +
          `{name: ${config.tango.name}, endpoint: ${config.tango.bind}} or remove the tango section`,
      });
    }
  });

/** A config after defaults are applied. */
export type Config = z.output<typeof ConfigSchema>;
