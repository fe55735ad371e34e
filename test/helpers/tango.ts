import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkerClient } from '../../frontend/worker-client/index.js';
import type { ReplyEnvelope } from '../../protocol/index.js';
import { LabrelayProcess, ROOT } from './labrelay-process.js';
import { freePorts } from './ports.js';

/** Debian's TangoTest device server (package tango-test). */
export const TANGO_TEST = '/usr/lib/tango/TangoTest';

/** Where the bridge's Python package lives (PYTHONPATH for `python -m labrelay_tango`). */
export const BRIDGE_DIR = join(ROOT, 'worker', 'tango');

/**
 * A Python that can import PyTango, pyzmq and numpy. Debian's python3-tango installs into the
 * system interpreter, which a pyenv `python3` earlier on PATH may shadow, so both are tried
 * (as test/helpers/python.ts does). Throws with the fix when none has them: these tests never skip.
 */
export function pythonWithTango(): string {
  for (const candidate of ['python3', '/usr/bin/python3']) {
    const probe = spawnSync(candidate, ['-c', 'import tango, zmq, numpy'], { stdio: 'ignore' });
    if (probe.status === 0) return candidate;
  }
  throw new Error(
    'no python3 with tango, zmq and numpy found: apt-get install -y python3-tango python3-zmq ' +
      'python3-numpy tango-test',
  );
}

/** A running TangoTest device server, without a Tango database. */
export interface TangoTestServer {
  /** The first device's URL: tango://127.0.0.1:PORT/sys/tg_test/1#dbase=no. */
  url: string;
  /** Every device's URL, in the order given. */
  urls: string[];
  devices: string[];
  port: number;
  process: ChildProcess;
  /** Its output so far (TangoTest writes to stdout). */
  output(): string;
  /**
   * SIGSTOP, resolving once every thread of the server has stopped: a hung server. (A thread
   * that was running when the signal came may still answer one last request otherwise.)
   */
  pause(): Promise<void>;
  /** SIGCONT. */
  resume(): void;
  /** Kills it; resolves once it has exited. */
  stop(): Promise<void>;
}

const live = new Set<TangoTestServer>();

/**
 * Starts `TangoTest test -nodb -dlist DEVICES -ORBendPoint giop:tcp:127.0.0.1:PORT` on a free
 * port (or the given one, to restart a server where its clients expect it) and resolves once it
 * prints `Ready to accept request`.
 */
export async function startTangoTest(
  options: { devices?: string[]; port?: number } = {},
): Promise<TangoTestServer> {
  const devices = options.devices ?? ['sys/tg_test/1'];
  if (options.port !== undefined) return launchTangoTest(devices, options.port);
  // A port found free can be taken by another test process before TangoTest binds it.
  for (let attempt = 1; ; attempt++) {
    try {
      return await launchTangoTest(devices, (await freePorts(1))[0]);
    } catch (err) {
      if (attempt === 3 || !/Failed to bind|Address in use/.test(String(err))) throw err;
    }
  }
}

async function launchTangoTest(devices: string[], port: number): Promise<TangoTestServer> {
  const child = spawn(
    TANGO_TEST,
    ['test', '-nodb', '-dlist', devices.join(','), '-ORBendPoint', `giop:tcp:127.0.0.1:${port}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const server: TangoTestServer = {
    url: `tango://127.0.0.1:${port}/${devices[0]}#dbase=no`,
    urls: devices.map((d) => `tango://127.0.0.1:${port}/${d}#dbase=no`),
    devices,
    port,
    process: child,
    output: () => output,
    pause: async () => {
      child.kill('SIGSTOP');
      const until = Date.now() + 5000;
      while (!allThreadsStopped(child.pid!)) {
        if (Date.now() > until) throw new Error('TangoTest did not stop within 5 s of SIGSTOP');
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    resume: () => void child.kill('SIGCONT'),
    stop: async () => {
      live.delete(server);
      if (child.exitCode === null && child.signalCode === null) {
        // SIGKILL: without a database there is nothing to unregister, and TangoTest takes two
        // seconds to act on SIGTERM.
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
  live.add(server);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      void server.stop();
      reject(new Error(`TangoTest did not get ready within 15 s; output:\n${output}`));
    }, 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('Ready to accept request')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`TangoTest exited (${code ?? signal}) before it was ready:\n${output}`));
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${TANGO_TEST} (apt-get install -y tango-test): ${err}`));
    });
  });
  return server;
}

/** True when every thread of the process is in state T (stopped), per /proc. */
function allThreadsStopped(pid: number): boolean {
  try {
    return readdirSync(`/proc/${pid}/task`).every((tid) => {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      // The state follows the parenthesised command name, which may itself hold spaces.
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      return state === 'T' || state === 't';
    });
  } catch {
    return false;
  }
}

/** Stops every TangoTest a test file started; for afterAll. */
export async function stopAllTangoTests(): Promise<void> {
  await Promise.all([...live].map((s) => s.stop()));
}

/** A running Tango bridge (`python -m labrelay_tango`). */
export interface TangoBridge {
  endpoint: string;
  eventsEndpoint: string;
  dataDir: string;
  auditPath: string;
  process: LabrelayProcess;
  /** Its settings, as passed with --config-json. */
  config: Record<string, unknown>;
  stderr(): string;
  /** SIGTERM (then SIGKILL after `graceMs`); resolves with how it exited. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts the bridge with `config` (free request and events ports and a fresh data directory
 * unless given) and resolves once it prints `labrelay tango bridge ready: N tool(s) on …`.
 */
export async function startTangoBridge(
  config: Record<string, unknown>,
  options: { args?: string[]; env?: NodeJS.ProcessEnv; ready?: RegExp } = {},
): Promise<TangoBridge> {
  const chosen = config.bind === undefined && config.events_endpoint === undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      return await launchTangoBridge(config, options);
    } catch (err) {
      // Ports found free can be taken by another test process before the bridge binds them.
      if (!chosen || attempt === 3 || !/Address already in use/.test(String(err))) throw err;
    }
  }
}

async function launchTangoBridge(
  config: Record<string, unknown>,
  options: { args?: string[]; env?: NodeJS.ProcessEnv; ready?: RegExp },
): Promise<TangoBridge> {
  const full = { ...config };
  if (full.bind === undefined || full.events_endpoint === undefined) {
    const [request, events] = await freePorts(2);
    full.bind ??= `tcp://127.0.0.1:${request}`;
    full.events_endpoint ??= `tcp://127.0.0.1:${events}`;
  }
  full.data_dir ??= mkdtempSync(join(tmpdir(), 'labrelay-tango-'));
  const child = spawnBridge(['--config-json', JSON.stringify(full), ...(options.args ?? [])], {
    env: options.env,
  });
  await child.waitFor(options.ready ?? /labrelay tango bridge ready: \d+ tool\(s\) on /, 20_000);
  return {
    endpoint: full.bind as string,
    eventsEndpoint: full.events_endpoint as string,
    dataDir: full.data_dir as string,
    auditPath:
      typeof full.audit_log === 'string'
        ? join(full.data_dir as string, full.audit_log)
        : join(full.data_dir as string, 'tango-audit.jsonl'),
    process: child,
    config: full,
    stderr: () => child.stderr,
    stop: (graceMs) => child.stop(graceMs),
  };
}

/** Spawns `python -m labrelay_tango ARGS` (stopped by stopAllProcesses, like labrelay itself). */
export function spawnBridge(
  args: string[],
  options: { env?: NodeJS.ProcessEnv } = {},
): LabrelayProcess {
  return LabrelayProcess.spawnCommand(pythonWithTango(), ['-m', 'labrelay_tango', ...args], {
    env: {
      PYTHONPATH: BRIDGE_DIR,
      // No __pycache__ in the working tree.
      PYTHONDONTWRITEBYTECODE: '1',
      PYTHONUNBUFFERED: '1',
      ...options.env,
    },
  });
}

/** Runs the bridge to its exit (a refused configuration); resolves with its status and stderr. */
export async function runBridgeToExit(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ code: number | null; stderr: string }> {
  const child = spawnBridge(args, options);
  const timer = setTimeout(() => void child.stop(1000), options.timeoutMs ?? 15_000);
  const { code } = await child.exited;
  clearTimeout(timer);
  return { code, stderr: child.stderr };
}

/** WorkerClients to bridges that a test file closes together in afterAll. */
export function bridgeClients() {
  const clients: WorkerClient[] = [];
  return {
    /** A client of `bridge` that has read its description. */
    async connect(bridge: { endpoint: string }): Promise<WorkerClient> {
      const client = new WorkerClient({ endpoint: bridge.endpoint, events: false });
      clients.push(client);
      await client.describe();
      return client;
    },
    close(): void {
      for (const c of clients.splice(0)) c.close();
    },
  };
}

/** A reply's result; throws with the error text and code when it is an error. */
export function resultOf(reply: ReplyEnvelope): unknown {
  if (reply.status !== 'ok') throw new Error(`call failed: ${reply.error} [${reply.code}]`);
  return reply.result;
}
