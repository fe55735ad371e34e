import type { SimGpibDevice } from '../gpib-bus.js';
import { createHp3478a } from './hp-3478a.js';
import { createHp34401a } from './hp-34401a.js';
import { createHpE3631a } from './hp-e3631a.js';
import type { SimInstrument, SimInstrumentOptions } from './ieee488-device.js';
import { createKeithley2000 } from './keithley-2000.js';
import { createTekScope } from './tek-scope.js';

/** Builds a simulated instrument from the common options. */
export type InstrumentFactory = (options?: SimInstrumentOptions) => SimInstrument & SimGpibDevice;

/** Model name → factory. Names are the ones `--instruments 22=hp34401a,…` uses. */
export const INSTRUMENT_MODELS: Readonly<Record<string, InstrumentFactory>> = {
  hp34401a: createHp34401a,
  'hp-e3631a': createHpE3631a,
  keithley2000: createKeithley2000,
  hp3478a: createHp3478a,
  'tek-scope': createTekScope,
};

/** Accepted spellings of each model. */
const ALIASES: Record<string, string> = {
  'hp-34401a': 'hp34401a',
  '34401a': 'hp34401a',
  hpe3631a: 'hp-e3631a',
  e3631a: 'hp-e3631a',
  'keithley-2000': 'keithley2000',
  k2000: 'keithley2000',
  'hp-3478a': 'hp3478a',
  '3478a': 'hp3478a',
  tds2024b: 'tek-scope',
  'tek-tds': 'tek-scope',
};

/** The canonical model name for a spelling, or undefined when unknown. */
export function resolveModel(name: string): string | undefined {
  const key = name.trim().toLowerCase();
  if (key in INSTRUMENT_MODELS) return key;
  return ALIASES[key];
}

/** Create an instrument by model name; throws naming the known models when unknown. */
export function createInstrument(model: string, options: SimInstrumentOptions = {}): SimInstrument {
  const key = resolveModel(model);
  if (!key)
    throw new Error(
      `unknown instrument model "${model}"; known: ${Object.keys(INSTRUMENT_MODELS).join(', ')}`,
    );
  return INSTRUMENT_MODELS[key](options);
}

/** The engine classes, for instruments defined outside this folder. */
export { SimInstrument, Ieee488Device, SeededRandom } from './ieee488-device.js';
