import { afterEach, describe, expect, it } from 'vitest';
import { Keithley2000 } from '../../../../worker/gpib/drivers/keithley-2000.js';
import { GpibSession } from '../../../../worker/gpib/devices/gpib-session.js';
import type { Ar488Bridge } from '../../../../worker/gpib/ar488-bridge.js';
import type { BusOperations } from '../../../../worker/gpib/bus-operations.js';
import { createKeithley2000 } from '../../../../worker/sim/instruments/keithley-2000.js';
import { expectedProtocol } from '../../../helpers/expected-protocol.js';
import { callCommand, deviceContext, emulatedBus, refusals } from './gpib-kit.js';

const dmm = (bus: BusOperations) => new GpibSession(bus, 'bench-t', { primary: 16 });

describe('Keithley2000 transcripts', () => {
  it('measure_voltage_dc without range is one MEAS:VOLT:DC? query', async () => {
    await expectedProtocol(
      [
        { send: '++addr 16' },
        { send: 'MEAS:VOLT:DC?' },
        { send: '++read eoi', reply: '+4.23451000E+00\n' },
      ],
      async (bus) => {
        expect(await callCommand(Keithley2000, 'measure_voltage_dc', dmm(bus))).toBe(4.23451);
      },
    );
  });

  it('with range and nplc: CONF, the SENSe settings, the error queue, then READ?', async () => {
    await expectedProtocol(
      [
        { send: '++addr 16' },
        { send: 'CONF:VOLT:DC;:SENS:VOLT:DC:RANG 10;:SENS:VOLT:DC:NPLC 5' },
        { send: 'SYST:ERR?' },
        { send: '++read eoi', reply: '0,"No error"\n' },
        { send: 'READ?' },
        { send: '++read eoi', reply: '+4.23452000E+00\n' },
      ],
      async (bus) => {
        const volts = await callCommand(Keithley2000, 'measure_voltage_dc', dmm(bus), {
          range: 10,
          nplc: 5,
        });
        expect(volts).toBe(4.23452);
      },
    );
  });

  it('the other functions use their MEASure? headers', async () => {
    const headers: Array<[string, string]> = [
      ['measure_voltage_ac', 'MEAS:VOLT:AC?'],
      ['measure_current_dc', 'MEAS:CURR:DC?'],
      ['measure_current_ac', 'MEAS:CURR:AC?'],
      ['measure_resistance', 'MEAS:RES?'],
      ['measure_resistance_4w', 'MEAS:FRES?'],
      ['measure_frequency', 'MEAS:FREQ?'],
      ['measure_period', 'MEAS:PER?'],
    ];
    await expectedProtocol(
      [
        { send: '++addr 16' },
        ...headers.flatMap(([, h]) => [{ send: h }, { send: '++read eoi', reply: '+2.5E+00\n' }]),
      ],
      async (bus) => {
        for (const [command] of headers) {
          expect(await callCommand(Keithley2000, command, dmm(bus))).toBe(2.5);
        }
      },
    );
  });

  it('attributes: SENS:FUNC? names map both ways, NPLC is set then checked', async () => {
    await expectedProtocol(
      [
        { send: '++addr 16' },
        { send: 'SENS:FUNC?' },
        { send: '++read eoi', reply: '"VOLT:DC"\n' },
        { send: 'SENS:VOLT:DC:NPLC 0.1' },
        { send: 'SYST:ERR?' },
        { send: '++read eoi', reply: '0,"No error"\n' },
      ],
      async (bus) => {
        const ctx = deviceContext(Keithley2000, dmm(bus));
        expect(await Keithley2000.attributes!.function.get(ctx)).toBe('dc_voltage');
        await Keithley2000.attributes!.nplc.set!(ctx, 0.1);
      },
    );
  });

  it('refuses an integration time outside 0.01 … 10 PLC and a range beyond 1010 V', () => {
    expect(refusals(Keithley2000, 'measure_voltage_dc', { nplc: 20 })).toEqual([
      { path: 'nplc', message: expect.stringMatching(/<=10/) },
    ]);
    expect(refusals(Keithley2000, 'measure_voltage_dc', { range: 2000 })).toHaveLength(1);
  });
});

describe('Keithley2000 against the emulated bus', () => {
  const bridges: Ar488Bridge[] = [];
  afterEach(async () => {
    for (const b of bridges.splice(0)) await b.disconnect();
  });

  it('reads the simulated inputs, with and without a fixed range', async () => {
    const lab = await emulatedBus([{ address: 16, device: createKeithley2000({ seed: 16 }) }]);
    bridges.push(lab.bridge);
    const session = lab.session(16);
    const read = (command: string, params = {}) =>
      callCommand(Keithley2000, command, session, params) as Promise<number>;
    expect(await read('measure_voltage_dc')).toBeCloseTo(4.23451, 3);
    expect(await read('measure_voltage_dc', { range: 10, nplc: 2 })).toBeCloseTo(4.23451, 3);
    const ctx = deviceContext(Keithley2000, session);
    expect(await Keithley2000.attributes!.voltage_range.get(ctx)).toBe(10);
    expect(await Keithley2000.attributes!.nplc.get(ctx)).toBe(2);
    expect(await read('measure_resistance')).toBeCloseTo(998.765, 1);
    expect(await Keithley2000.attributes!.function.get(ctx)).toBe('resistance');
    expect(await read('measure_current_ac')).toBeCloseTo(0.00834, 4);
  });
});
