import { DMM_FUNCTIONS, DMM_HEADERS, type DmmOptions, SimDmm, dmmCommands } from './hp-34401a.js';
import { formatNr3, type InstrumentDefinition, parseBool, parseNumeric } from './ieee488-device.js';

/** Keithley's `FUNC?` names carry `:DC` (Model 2000 manual, SENSe subsystem). */
const K2000_NAMES: Record<string, string> = {
  VOLT: 'VOLT:DC',
  'VOLT:AC': 'VOLT:AC',
  CURR: 'CURR:DC',
  'CURR:AC': 'CURR:AC',
  RES: 'RES',
  FRES: 'FRES',
  FREQ: 'FREQ',
  PER: 'PER',
};

/**
 * Keithley Model 2000 6½-digit DMM: `KEITHLEY INSTRUMENTS INC.,MODEL 2000,<serial>,<rev>`
 * (mcgpib examples, reference §3.4), the same measurement subset as the 34401A with Keithley
 * spellings (`:FUNC 'VOLT:DC'`, `:SENS:VOLT:DC:RANG`, `:SENS:VOLT:DC:NPLC`) and `0,"No error"`.
 */
export function createKeithley2000(options: DmmOptions = {}): SimDmm {
  const serial = String(1000000 + (((options.seed ?? 1) * 7919) % 8999999));
  const definition: InstrumentDefinition<SimDmm> = {
    idn: `KEITHLEY INSTRUMENTS INC.,MODEL 2000,${serial},A20  /A02`,
    noError: '0,"No error"',
    properties: {
      nplc: {
        get: '[SENSe:]VOLTage[:DC]:NPLCycles?',
        set: '[SENSe:]VOLTage[:DC]:NPLCycles',
        default: 1,
        type: 'float',
        min: 0.01,
        max: 10,
        rangeError: [-222, 'Parameter data out of range'],
      },
    },
    commands: [
      ...dmmCommands(DMM_HEADERS),
      { pattern: '[SENSe:]FUNCtion?', run: (d) => `"${K2000_NAMES[d.fn]}"` },
      {
        pattern: '[SENSe:]VOLTage[:DC]:RANGe[:UPPer]',
        run: (d, { args }) => {
          d.range = parseNumeric(args[0], { min: 0, max: 1010, def: DMM_FUNCTIONS.VOLT.range });
        },
      },
      { pattern: '[SENSe:]VOLTage[:DC]:RANGe[:UPPer]?', run: (d) => formatNr3(d.range, 6) },
      {
        pattern: '[SENSe:]VOLTage[:DC]:RANGe:AUTO',
        run: (_d, { args }) => void parseBool(args[0]),
      },
      { pattern: 'SYSTem:VERSion?', run: () => '1991.0' },
    ],
  };
  return new SimDmm(definition, options);
}
