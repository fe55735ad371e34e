#!/usr/bin/env node
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from './config/load.js';
import { packageVersion } from './version.js';

const USAGE = `labrelay — lets an LLM agent drive laboratory instruments safely.

Usage:
  labrelay start [--config FILE] [--stdio] [--host H] [--port P] [--path /mcp] [--token T]
                 [--toolsets LIST] [--read-only] [--no-console] [--bind ENDPOINT]
                 [--diagnostics] [--verbose]
      Start the local workers (the TypeScript worker; the Tango bridge when the config has a
      tango: section), wait until they are healthy, then start the MCP frontend over every
      worker the config lists; restart a worker that dies. Without --config: the built-in
      simulated lab. The supervisor console is at http://HOST:PORT/ (with --stdio, alone on
      127.0.0.1:8050), unless --no-console. --toolsets core,eaa,gpib,HP34401A,… or all chooses
      the tools listed (search_tools and call_tool reach the rest); --read-only lists no tool
      that writes and makes the worker refuse writes.
  labrelay worker [--config FILE] [--bind ENDPOINT] [--diagnostics] [--verbose]
      Run the instrument worker alone (default tcp://127.0.0.1:5555), for bench scripts.
  labrelay frontend [--config FILE] [--worker ENDPOINT] [--stdio | --host H --port P --path /mcp]
                    [--token T] [--verbose]
      Run the MCP frontend alone against running workers (frontend.workers; --worker moves the
      local one) at http://127.0.0.1:8050/mcp by default.

  labrelay call METHOD ['{"json":"params"}'] [--worker ENDPOINT|NAME] [--config FILE] [--timeout MS]
      Send one request to the worker and print its reply. Exit code 0 ok, 1 error reply.
  labrelay approvals [--config FILE] [--worker NAME]
      List the writes waiting for a person's approval, one per line: id, age, device, method,
      parameters, rule.
  labrelay approve ID | deny ID [--config FILE]
      Approve or deny a waiting write (recorded as user@host via cli). The agent cannot.
  labrelay stop ["reason"] | lock "reason" | resume [--config FILE]
      Stop the lab (cancel everything, safe states, refuse writes), hold agent writes without
      stopping anything, or end either. Only a person resumes.
  labrelay keys [--json]
      Generate a ZeroMQ CURVE key pair (Z85) for a worker bound beyond loopback
      (worker.curve / tango.curve) or for a frontend or bench script (frontend.curve).
  labrelay check-config FILE
      Validate a config file and print it with defaults filled in.
  labrelay sim ar488 [--tcp HOST:PORT] [--pty PATH] [--profile P] [--instruments SPEC]
                     [--baud N] [--faults JSON]
      Run an AR488 GPIB bridge emulator with simulated instruments. Profiles: twilight-0.51.29,
      twilight-0.53.04, esp32, prologix. SPEC like 22=hp34401a,5=hp-e3631a,1=tek-scope.

  --verbose prints the devices found, their commands and the registered tool signatures to
  stderr (never stdout, which is the MCP wire with --stdio), and logs at debug level.

A bearer token may also come from LABRELAY_TOKEN; log level from LABRELAY_LOG_LEVEL.
`;

const ENDPOINT = { type: 'string' } as const;
const COMMON = { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;
const FRONTEND = {
  stdio: { type: 'boolean' },
  'no-console': { type: 'boolean' },
  toolsets: { type: 'string' },
  'read-only': { type: 'boolean' },
  host: { type: 'string' },
  port: { type: 'string' },
  path: { type: 'string' },
  token: { type: 'string' },
} as const;

async function main(argv: string[]): Promise<number | undefined> {
  const [command, ...rest] = argv;
  const parse = <T extends NonNullable<ParseArgsConfig['options']>>(
    options: T,
    positionals = false,
  ) => parseArgs({ args: rest, options, allowPositionals: positionals, strict: true });
  switch (command) {
    case 'start': {
      const { values } = parse({
        ...COMMON,
        ...FRONTEND,
        bind: ENDPOINT,
        diagnostics: { type: 'boolean' },
        verbose: { type: 'boolean' },
      });
      if (values.help) break;
      // Each command loads only what it runs: a worker restart should not wait for the MCP SDK.
      const { runStart } = await import('./commands/start.js');
      return runStart(fileURLToPath(import.meta.url), {
        ...values,
        noConsole: values['no-console'],
        toolsets: toolsetList(values.toolsets),
        readOnly: values['read-only'],
        port: port(values.port),
      });
    }
    case 'worker': {
      const { values } = parse({
        ...COMMON,
        'read-only': { type: 'boolean' },
        bind: ENDPOINT,
        diagnostics: { type: 'boolean' },
        verbose: { type: 'boolean' },
      });
      if (values.help) break;
      const { runWorker } = await import('./commands/worker.js');
      await runWorker({ ...values, readOnly: values['read-only'] });
      return undefined;
    }
    case 'frontend': {
      const { values } = parse({
        ...COMMON,
        ...FRONTEND,
        worker: ENDPOINT,
        verbose: { type: 'boolean' },
      });
      if (values.help) break;
      const { runFrontend } = await import('./commands/frontend.js');
      await runFrontend({
        ...values,
        noConsole: values['no-console'],
        toolsets: toolsetList(values.toolsets),
        readOnly: values['read-only'],
        port: port(values.port),
      });
      return undefined;
    }
    case 'call': {
      const { values, positionals } = parse(
        { ...COMMON, worker: ENDPOINT, timeout: { type: 'string' } },
        true,
      );
      if (values.help) break;
      const [method, params, extra] = positionals;
      if (!method || extra !== undefined)
        throw new UsageError('call takes METHOD and optional JSON params');
      const timeout =
        values.timeout === undefined ? undefined : positiveInt(values.timeout, '--timeout');
      const { runCall } = await import('./commands/call.js');
      return runCall({ ...values, method, params, timeout });
    }
    case 'approvals':
    case 'approve':
    case 'deny':
    case 'resume':
    case 'lock':
    case 'stop': {
      const { values, positionals } = parse({ ...COMMON, worker: ENDPOINT }, true);
      if (values.help) break;
      const needs = { approvals: 0, resume: 0, approve: 1, deny: 1, lock: 1, stop: -1 }[command];
      if (needs >= 0 && positionals.length !== needs) {
        throw new UsageError(
          needs === 0 ? `${command} takes no argument` : `${command} takes one argument`,
        );
      }
      const { runSupervise } = await import('./commands/supervise.js');
      return runSupervise({ ...values, command, argument: positionals[0] });
    }
    case 'keys': {
      const { values } = parse({ help: COMMON.help, json: { type: 'boolean' } });
      if (values.help) break;
      const { runKeys } = await import('./commands/keys.js');
      return runKeys(values);
    }
    case 'check-config': {
      const { values, positionals } = parse({ help: COMMON.help }, true);
      if (values.help) break;
      if (positionals.length !== 1) throw new UsageError('check-config takes one FILE');
      const { runCheckConfig } = await import('./commands/check-config.js');
      return runCheckConfig(positionals[0]);
    }
    case 'sim': {
      const [kind, ...simArgs] = rest;
      if (kind !== 'ar488') throw new UsageError('sim takes a device kind: ar488');
      const { values } = parseArgs({
        args: simArgs,
        strict: true,
        options: {
          help: COMMON.help,
          tcp: { type: 'string' },
          pty: { type: 'string' },
          profile: { type: 'string' },
          instruments: { type: 'string' },
          baud: { type: 'string' },
          faults: { type: 'string' },
        },
      });
      if (values.help) break;
      const baud = values.baud === undefined ? undefined : positiveInt(values.baud, '--baud');
      const { runSimAr488 } = await import('./commands/sim-ar488.js');
      await runSimAr488({ ...values, baud });
      return undefined;
    }
    case '--version':
    case 'version':
      process.stdout.write(`${packageVersion()}\n`);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      break;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
  process.stdout.write(USAGE);
  return 0;
}

class UsageError extends Error {}

function port(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = positiveInt(value, '--port');
  if (n > 65_535) throw new UsageError(`--port must be 0–65535; got ${value}`);
  return n;
}

function positiveInt(value: string, flag: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} must be a whole number; got "${value}"`);
  return Number(value);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exit(code);
  },
  (err: unknown) => {
    if (
      err instanceof UsageError ||
      (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      process.stderr.write(`labrelay: ${(err as Error).message}\n\n${USAGE}`);
      process.exit(2);
    }
    // Expected failures (a bad config, a port in use) read best as one line; the stack is for bugs.
    const debug = process.env.LABRELAY_LOG_LEVEL === 'debug';
    const text =
      err instanceof Error ? (debug ? (err.stack ?? err.message) : err.message) : String(err);
    process.stderr.write(`labrelay: ${err instanceof ConfigError ? '' : 'failed: '}${text}\n`);
    process.exit(1);
  },
);

/** `--toolsets a,b` as a list; absent: the config's. */
function toolsetList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new UsageError('--toolsets takes names separated by commas');
  return list;
}
