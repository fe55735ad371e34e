import type { SimGpibDevice } from '../gpib-bus.js';
import { INSTRUMENT_MODELS, createInstrument, resolveModel } from '../instruments/index.js';
import type { SimInstrumentOptions } from '../instruments/ieee488-device.js';

/** One parsed entry: where the instrument sits and the device itself. */
export interface InstrumentSpecEntry {
  address: number;
  secondary?: number;
  device: SimGpibDevice;
}

const OPTION_KEYS: Record<string, keyof SimInstrumentOptions> = {
  seed: 'seed',
  responsetimems: 'responseTimeMs',
  response: 'responseTimeMs',
  jitterms: 'responseJitterMs',
  lateeoi: 'acceptLateEoi',
  ppline: 'parallelPollLine',
};

/**
 * Parse an instrument list such as `22=hp34401a,5=hp-e3631a,7:96=hp3478a;seed=4;responseTimeMs=20`.
 * Each entry is `PAD[:SAD]=model[;option=value…]`: PAD 0–30 (0 is the adapter's own address,
 * so 1–30), SAD 0–30 or 96–126, options `seed`, `responseTimeMs`, `jitterMs`, `lateEoi`,
 * `ppLine`. The seed defaults to the primary address so instruments differ but stay repeatable.
 * Throws an Error naming the entry and what is wrong with it.
 */
export function parseInstrumentSpec(spec: string): InstrumentSpecEntry[] {
  const entries = spec
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  if (entries.length === 0)
    throw new Error('instrument spec is empty; expected e.g. "22=hp34401a,5=hp-e3631a"');
  const seen = new Set<string>();
  return entries.map((entry) => {
    const m = /^(\d+)(?::(\d+))?\s*=\s*([A-Za-z0-9_-]+)((?:;[^;]*)*)$/.exec(entry);
    if (!m)
      throw new Error(
        `instrument "${entry}": expected PAD[:SAD]=model[;option=value…], e.g. 22=hp34401a`,
      );
    const address = Number(m[1]);
    if (address < 1 || address > 30)
      throw new Error(
        `instrument "${entry}": primary address ${address} is out of range 1–30 (0 is the adapter)`,
      );
    let secondary: number | undefined;
    if (m[2] !== undefined) {
      const s = Number(m[2]);
      if (!(s <= 30 || (s >= 96 && s <= 126)))
        throw new Error(`instrument "${entry}": secondary address ${s} must be 0–30 or 96–126`);
      secondary = s >= 96 ? s - 96 : s;
    }
    const key = `${address}:${secondary ?? ''}`;
    if (seen.has(key))
      throw new Error(
        `instrument "${entry}": address ${m[1]}${m[2] ? `:${m[2]}` : ''} is used twice`,
      );
    seen.add(key);
    if (!resolveModel(m[3]))
      throw new Error(
        `instrument "${entry}": unknown model "${m[3]}"; known: ${Object.keys(INSTRUMENT_MODELS).join(', ')}`,
      );
    const options: SimInstrumentOptions = { seed: address };
    for (const opt of m[4].split(';').filter(Boolean)) {
      const [k, v] = opt.split('=').map((x) => x.trim());
      const name = OPTION_KEYS[(k ?? '').toLowerCase()];
      if (!name || v === undefined || v === '')
        throw new Error(
          `instrument "${entry}": bad option "${opt}"; known: seed, responseTimeMs, jitterMs, lateEoi, ppLine`,
        );
      if (name === 'acceptLateEoi') options.acceptLateEoi = v === '1' || v.toLowerCase() === 'true';
      else {
        const n = Number(v);
        if (!Number.isFinite(n) || n < 0)
          throw new Error(`instrument "${entry}": option ${k} needs a number ≥ 0, got "${v}"`);
        options[name] = n as never;
      }
    }
    return { address, secondary, device: createInstrument(m[3], options) };
  });
}
