import type { SerialPort } from 'serialport';
import { ConnectionError } from '../errors.js';

let loading: Promise<typeof SerialPort> | undefined;

/**
 * node-serialport, imported the first time a serial link opens rather than when the worker
 * starts: it is a native addon, and on a machine where it cannot load (no prebuilt binary for
 * the platform, an ABI mismatch) only serial bridges are unavailable, each saying why — as
 * pyvisa-py registers a session it cannot provide together with its reason. TCP bridges, the
 * microscope and the rest of the worker never load it.
 */
export function loadSerialPort(link: string): Promise<typeof SerialPort> {
  loading ??= import('serialport').then((module) => module.SerialPort);
  return loading.catch((err: unknown) => {
    throw new ConnectionError(
      `${link} is unavailable: the serialport native addon did not load on this machine ` +
        `(${(err as Error).message.split('\n')[0]}); TCP bridges and the rest of the worker are ` +
        'not affected. Reinstall labrelay on this machine (npm ci) so that its prebuilt binary ' +
        'for this platform is used.',
      { link, addon: 'serialport' },
    );
  });
}
