import { startAr488Sim } from '../../worker/sim/ar488/start.js';
import type { FirmwareProfileName } from '../../worker/sim/ar488/emulator.js';
import type { FaultOptions } from '../../worker/sim/ar488/faults.js';
import { parseInstrumentSpec } from '../../worker/sim/ar488/instrument-spec.js';
import { createLogger } from '../log.js';
import { onShutdownSignal } from '../shutdown.js';

const PROFILES: FirmwareProfileName[] = [
  'twilight-0.51.29',
  'twilight-0.53.04',
  'esp32',
  'prologix',
];

/** The simulated lab's default bench: a DMM, a power supply and a scope. */
export const DEFAULT_INSTRUMENTS = '22=hp34401a,5=hp-e3631a,1=tek-scope';

/**
 * `labrelay sim ar488`: an AR488 emulator with simulated instruments, over TCP (as the ESP32
 * firmware: one client at a time) and/or a socat pseudo-terminal (as a USB bridge). It stands in
 * for hardware, so it is a process of its own, reached only through its link like the real thing.
 */
export async function runSimAr488(flags: {
  tcp?: string;
  pty?: string;
  profile?: string;
  instruments?: string;
  baud?: number;
  faults?: string;
}): Promise<void> {
  const log = createLogger('sim-ar488');
  const profile = (flags.profile ??
    (flags.pty ? 'twilight-0.53.04' : 'esp32')) as FirmwareProfileName;
  if (!PROFILES.includes(profile)) {
    throw new Error(`--profile ${flags.profile} is not one of ${PROFILES.join(', ')}`);
  }
  if (!flags.tcp && !flags.pty) throw new Error('give --tcp HOST:PORT and/or --pty PATH');
  const tcp = flags.tcp ? parseHostPort(flags.tcp) : undefined;
  let faults: Partial<FaultOptions> = {};
  if (flags.faults) {
    try {
      faults = JSON.parse(flags.faults) as Partial<FaultOptions>;
    } catch (err) {
      throw new Error(`--faults is not JSON: ${(err as Error).message}`);
    }
  }
  if (flags.baud !== undefined) faults = { ...faults, baud: flags.baud };
  const sim = await startAr488Sim({
    profile,
    instruments: parseInstrumentSpec(flags.instruments ?? DEFAULT_INSTRUMENTS),
    faults,
    tcp,
    pty: flags.pty ? { path: flags.pty } : undefined,
  });
  log.info('ar488 sim ready', {
    profile,
    tcp: sim.tcp ? `${sim.tcp.host}:${sim.tcp.port}` : null,
    pty: sim.pty?.path ?? null,
    instruments: flags.instruments ?? DEFAULT_INSTRUMENTS,
  });
  // A launcher waits for this, not for the log line: LABRELAY_LOG_LEVEL=warn hides that.
  process.send?.({ type: 'ready' });
  onShutdownSignal(log, () => sim.close());
  process.on('disconnect', () => void sim.close().then(() => process.exit(0)));
}

function parseHostPort(value: string): { host: string; port: number } {
  const match = /^(.+):(\d+)$/.exec(value);
  if (!match || Number(match[2]) > 65_535)
    throw new Error(`--tcp must be HOST:PORT; got "${value}"`);
  return { host: match[1], port: Number(match[2]) };
}
