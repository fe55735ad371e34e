import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { SerialPort } from 'serialport';
import type { Ar488Emulator } from './emulator.js';

/** A running pseudo-terminal front end. */
export interface PtyFrontEnd {
  /** The path the host (driver) opens. */
  path: string;
  close(): Promise<void>;
}

/** Silence on the line after which new input counts as the host having (re)opened the port. */
const REOPEN_SILENCE_MS = 1000;

/**
 * Serial front end on a real pseudo-terminal pair made by socat:
 * `socat -d -d pty,raw,echo=0,link=<path> pty,raw,echo=0,link=<path>.sim`. The emulator holds
 * `<path>.sim` through node-serialport at 115200; the driver opens `<path>` like a USB adapter.
 * A pty has no DTR, so "the host opened the port" (an Arduino reset, `resetOnOpen`) is taken to
 * be the first bytes after at least 1 s of silence, or the first bytes ever. Closing kills socat,
 * which removes its two links; nothing else is removed.
 */
export async function startPtyServer(
  emulator: Ar488Emulator,
  options: { path: string },
): Promise<PtyFrontEnd> {
  const probe = spawnSync('socat', ['-V'], { stdio: 'ignore' });
  if (probe.error)
    throw new Error(
      `the AR488 pty front end needs socat, which was not found (${(probe.error as NodeJS.ErrnoException).code}): apt-get install socat`,
    );
  const path = options.path;
  const simPath = `${path}.sim`;
  const socat = spawn(
    'socat',
    ['-d', '-d', `pty,raw,echo=0,link=${path}`, `pty,raw,echo=0,link=${simPath}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  await waitForLinks(socat, path, simPath);

  const port = new SerialPort({ path: simPath, baudRate: 115200, autoOpen: false });
  try {
    await new Promise<void>((resolve, reject) =>
      port.open((err) => (err ? reject(err) : resolve())),
    );
  } catch (err) {
    await stop(socat);
    throw new Error(`could not open ${simPath}: ${(err as Error).message}`);
  }
  emulator.setLinkKind('serial');
  let lastRx = Number.NEGATIVE_INFINITY;
  port.on('data', (bytes: Buffer) => {
    const now = performance.now();
    if (now - lastRx >= REOPEN_SILENCE_MS) emulator.hostConnected();
    lastRx = now;
    emulator.receive(bytes);
  });
  port.on('error', () => undefined);
  const unsubscribe = emulator.onOutput((bytes) => {
    if (port.isOpen) port.write(bytes);
  });

  return {
    path,
    close: async () => {
      unsubscribe();
      emulator.hostDisconnected();
      if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
      await stop(socat);
    },
  };
}

/** Resolve once socat reports its transfer loop and both links exist; reject if it dies. */
function waitForLinks(socat: ChildProcess, path: string, simPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    let ready = false;
    const timer = setTimeout(
      () => fail(new Error(`socat did not create ${path} within 5 s: ${stderr.trim()}`)),
      5000,
    );
    const poll = setInterval(check, 10);
    function check() {
      if (ready && existsSync(path) && existsSync(simPath)) {
        cleanup();
        resolve();
      }
    }
    function fail(err: Error) {
      cleanup();
      socat.kill('SIGTERM');
      reject(err);
    }
    function cleanup() {
      clearTimeout(timer);
      clearInterval(poll);
      socat.stderr?.removeAllListeners('data');
      socat.removeListener('exit', onExit);
      // Keep draining stderr so socat never blocks on a full pipe.
      socat.stderr?.resume();
    }
    function onExit(code: number | null) {
      fail(new Error(`socat exited (${code}) before creating ${path}: ${stderr.trim()}`));
    }
    socat.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('starting data transfer loop')) ready = true;
      check();
    });
    socat.once('exit', onExit);
    socat.once('error', (err) =>
      fail(new Error(`could not start socat: ${err.message} (apt-get install socat)`)),
    );
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
