import * as z from 'zod';
import { command, defineDeviceClass } from '../../devices/device-class.js';
import { quantity } from '../../devices/quantity.js';
import {
  choiceValue,
  control,
  measurement,
  numberValue,
  optional,
  queryValue,
  writeChecked,
  type GpibState,
} from './scpi-driver.js';

/** `FUNC?` names (Model 2000 User's Manual, SENSe subsystem: `:FUNCtion '<name>'`). */
const FUNCTIONS = {
  dc_voltage: 'VOLT:DC',
  ac_voltage: 'VOLT:AC',
  dc_current: 'CURR:DC',
  ac_current: 'CURR:AC',
  resistance: 'RES',
  resistance_4w: 'FRES',
  frequency: 'FREQ',
  period: 'PER',
} as const;

const volts = (what: string) => quantity({ doc: what, unit: 'V' });

/** A parameterless `:MEASure:<function>?` one-shot reading (manual, MEASure command). */
function oneShot(header: string, what: string, unit: string) {
  return measurement({
    doc: `Measure the ${what}, in ${unit} (MEAS:${header}?); autoranges, reconfiguring the meter.`,
    query: `MEAS:${header}?`,
    result: quantity({ doc: `${what[0].toUpperCase()}${what.slice(1)} read`, unit }),
  });
}

/**
 * Keithley Model 2000 6½-digit multimeter. Its `:MEASure?` takes no range (unlike the 34401A):
 * a ranged reading is `:CONFigure`, the SENSe range and integration time, then `:READ?`.
 */
export const Keithley2000 = defineDeviceClass<GpibState>({
  name: 'Keithley2000',
  doc: 'Keithley Model 2000 6½-digit digital multimeter on GPIB.',
  commands: {
    measure_voltage_dc: command({
      doc:
        'Measure the DC voltage, in V: MEAS:VOLT:DC? with autorange, or with range/nplc given ' +
        'CONF:VOLT:DC, SENS:VOLT:DC:RANG/NPLC and READ?.',
      params: z.object({
        range: optional(
          quantity({
            doc: 'Expected largest value (omit to autorange); the meter picks the range holding it',
            unit: 'V',
            min: 0,
            max: 1010,
          }),
        ),
        nplc: optional(
          quantity({
            doc: 'Integration time in power-line cycles (omit to keep the default 1)',
            unit: 'PLC',
            min: 0.01,
            max: 10,
          }),
        ),
      }),
      result: volts('DC voltage read'),
      readOnly: true,
      idempotent: true,
      run: async (ctx, p) => {
        if (p.range === undefined && p.nplc === undefined) {
          return queryValue(ctx, 'MEAS:VOLT:DC?', numberValue);
        }
        const parts = ['CONF:VOLT:DC'];
        if (p.range !== undefined) parts.push(`:SENS:VOLT:DC:RANG ${p.range}`);
        if (p.nplc !== undefined) parts.push(`:SENS:VOLT:DC:NPLC ${p.nplc}`);
        await writeChecked(ctx, parts.join(';'));
        return queryValue(ctx, 'READ?', numberValue);
      },
    }),
    measure_voltage_ac: oneShot('VOLT:AC', 'AC voltage (true RMS)', 'V'),
    measure_current_dc: oneShot('CURR:DC', 'DC current', 'A'),
    measure_current_ac: oneShot('CURR:AC', 'AC current (true RMS)', 'A'),
    measure_resistance: oneShot('RES', '2-wire resistance', 'Ω'),
    measure_resistance_4w: oneShot('FRES', '4-wire resistance', 'Ω'),
    measure_frequency: oneShot('FREQ', 'frequency of an AC voltage', 'Hz'),
    measure_period: oneShot('PER', 'period of an AC voltage', 's'),
  },
  attributes: {
    function: control({
      doc: 'Control the measurement function (SENS:FUNC); MEASure? commands change it too.',
      get: 'SENS:FUNC?',
      set: 'SENS:FUNC {}',
      type: z.enum(Object.keys(FUNCTIONS) as [keyof typeof FUNCTIONS]),
      value: choiceValue(FUNCTIONS, { quoted: true }),
    }),
    voltage_range: control({
      doc: 'Control the DC voltage range (SENS:VOLT:DC:RANG), in V; the meter rounds up to 0.1/1/10/100/1000 V.',
      get: 'SENS:VOLT:DC:RANG?',
      set: 'SENS:VOLT:DC:RANG {}',
      type: quantity({ doc: 'DC voltage range', unit: 'V', min: 0, max: 1010 }),
      units: 'V',
    }),
    nplc: control({
      doc: 'Control the DC voltage integration time (SENS:VOLT:DC:NPLC), in power-line cycles.',
      get: 'SENS:VOLT:DC:NPLC?',
      set: 'SENS:VOLT:DC:NPLC {}',
      type: quantity({ doc: 'Integration time', unit: 'PLC', min: 0.01, max: 10 }),
      units: 'PLC',
    }),
  },
});
