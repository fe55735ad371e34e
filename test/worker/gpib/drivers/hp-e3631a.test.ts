import { afterEach, describe, expect, it } from 'vitest';
import { HPE3631A } from '../../../../worker/gpib/drivers/hp-e3631a.js';
import { GpibSession } from '../../../../worker/gpib/devices/gpib-session.js';
import type { Ar488Bridge } from '../../../../worker/gpib/ar488-bridge.js';
import type { BusOperations } from '../../../../worker/gpib/bus-operations.js';
import { createHpE3631a } from '../../../../worker/sim/instruments/hp-e3631a.js';
import { expectedProtocol } from '../../../helpers/expected-protocol.js';
import { callCommand, deviceContext, emulatedBus, refusals } from './gpib-kit.js';

const supply = (bus: BusOperations) => new GpibSession(bus, 'bench-t', { primary: 5 });
const NO_ERROR = { send: '++read eoi', reply: '+0,"No error"\n' };

describe('HPE3631A transcripts', () => {
  it('set_output sends APPL, checks the error queue and reads the setting back', async () => {
    await expectedProtocol(
      [
        { send: '++addr 5' },
        { send: 'APPL P25V,12.5,0.5' },
        { send: 'SYST:ERR?' },
        NO_ERROR,
        { send: 'APPL? P25V' },
        { send: '++read eoi', reply: '"12.500000,0.500000"\n' },
      ],
      async (bus) => {
        const result = await callCommand(HPE3631A, 'set_output', supply(bus), {
          channel: 'P25V',
          voltage: 12.5,
          current_limit: 0.5,
        });
        expect(result).toEqual({ channel: 'P25V', voltage: 12.5, current_limit: 0.5 });
      },
    );
  });

  it('output_on and output_off switch with OUTP and report OUTP?', async () => {
    await expectedProtocol(
      [
        { send: '++addr 5' },
        { send: 'OUTP ON' },
        { send: 'SYST:ERR?' },
        NO_ERROR,
        { send: 'OUTP?' },
        { send: '++read eoi', reply: '1\n' },
        { send: 'OUTP OFF' },
        { send: 'SYST:ERR?' },
        NO_ERROR,
        { send: 'OUTP?' },
        { send: '++read eoi', reply: '0\n' },
      ],
      async (bus) => {
        const session = supply(bus);
        expect(await callCommand(HPE3631A, 'output_on', session)).toEqual({ output_enabled: true });
        expect(await callCommand(HPE3631A, 'output_off', session)).toEqual({
          output_enabled: false,
        });
      },
    );
  });

  it('measure_voltage and measure_current name the output', async () => {
    await expectedProtocol(
      [
        { send: '++addr 5' },
        { send: 'MEAS:VOLT? N25V' },
        { send: '++read eoi', reply: '-1.20001000E+01\n' },
        { send: 'MEAS:CURR? P6V' },
        { send: '++read eoi', reply: '+5.00020000E-01\n' },
      ],
      async (bus) => {
        const session = supply(bus);
        expect(
          await callCommand(HPE3631A, 'measure_voltage', session, { channel: 'N25V' }),
        ).toBeCloseTo(-12.0001, 6);
        expect(
          await callCommand(HPE3631A, 'measure_current', session, { channel: 'P6V' }),
        ).toBeCloseTo(0.50002, 6);
      },
    );
  });

  it("the supply's own refusal (-222) is a DEVICE_ERROR even when validation is bypassed", async () => {
    await expectedProtocol(
      [
        { send: '++addr 5' },
        { send: 'APPL P6V,7,1' },
        { send: 'SYST:ERR?' },
        { send: '++read eoi', reply: '-222,"Data out of range"\n' },
        { send: 'SYST:ERR?' },
        NO_ERROR,
      ],
      async (bus) => {
        const run = HPE3631A.commands.set_output.run(deviceContext(HPE3631A, supply(bus)), {
          channel: 'P6V',
          voltage: 7,
          current_limit: 1,
        });
        await expect(run).rejects.toMatchObject({
          code: 'DEVICE_ERROR',
          message: expect.stringMatching(/reported -222,"Data out of range" \(to APPL P6V,7,1\)/),
        });
      },
    );
  });
});

describe('HPE3631A validation: each output has its own limits (User’s Guide, specifications)', () => {
  const refused = (params: Record<string, unknown>) => refusals(HPE3631A, 'set_output', params);

  it.each([
    ['P6V', 6.18, 5.15],
    ['P25V', 25.75, 1.03],
    ['N25V', -25.75, 1.03],
  ])('accepts %s at its limits (%d V, %d A) and at zero', (channel, voltage, current) => {
    expect(refused({ channel, voltage, current_limit: current })).toEqual([]);
    expect(refused({ channel, voltage: 0, current_limit: 0 })).toEqual([]);
  });

  it.each([
    [
      'P6V',
      { voltage: 6.5, current_limit: 1 },
      'voltage',
      "voltage 6.5 V is outside output P6V's range 0 … 6.18 V",
    ],
    [
      'P6V',
      { voltage: -1, current_limit: 1 },
      'voltage',
      "voltage -1 V is outside output P6V's range 0 … 6.18 V",
    ],
    [
      'P25V',
      { voltage: -5, current_limit: 0.5 },
      'voltage',
      "voltage -5 V is outside output P25V's range 0 … 25.75 V",
    ],
    [
      'P25V',
      { voltage: 12, current_limit: 1.04 },
      'current_limit',
      "current_limit 1.04 A is outside output P25V's range 0 … 1.03 A",
    ],
    [
      'P25V',
      { voltage: 12, current_limit: 1.5 },
      'current_limit',
      "current_limit 1.5 A is outside output P25V's range 0 … 1.03 A",
    ],
    [
      'N25V',
      { voltage: 5, current_limit: 0.5 },
      'voltage',
      "voltage 5 V is outside output N25V's range -25.75 … 0 V",
    ],
    [
      'N25V',
      { voltage: -12, current_limit: 2 },
      'current_limit',
      "current_limit 2 A is outside output N25V's range 0 … 1.03 A",
    ],
  ])('refuses %s with %j, naming the field, value and range', (channel, values, path, message) => {
    expect(refused({ channel, ...values })).toEqual([{ path, message }]);
  });

  it('refuses values no output allows with the field-level range, and unknown outputs', () => {
    expect(refused({ channel: 'P25V', voltage: 30, current_limit: 1 })).toEqual([
      { path: 'voltage', message: expect.stringMatching(/<=25\.75/) },
    ]);
    expect(refused({ channel: 'P6V', voltage: 5, current_limit: 5.2 })).toEqual([
      { path: 'current_limit', message: expect.stringMatching(/<=5\.15/) },
    ]);
    expect(refused({ channel: 'P12V', voltage: 1, current_limit: 1 })).toEqual([
      { path: 'channel', message: expect.stringMatching(/P6V.*P25V.*N25V/) },
    ]);
  });
});

describe('HPE3631A against the emulated bus', () => {
  const bridges: Ar488Bridge[] = [];
  afterEach(async () => {
    for (const b of bridges.splice(0)) await b.disconnect();
  });

  it('set_output then measure returns the set voltage; a low current limit gives CC mode', async () => {
    // Loads as in the simulator: 10 Ω on P6V, 100 Ω on P25V and N25V.
    const lab = await emulatedBus([{ address: 5, device: createHpE3631a({ seed: 5 }) }]);
    bridges.push(lab.bridge);
    const session = lab.session(5);
    const call = (command: string, params = {}) => callCommand(HPE3631A, command, session, params);

    expect(await call('set_output', { channel: 'P6V', voltage: 5, current_limit: 1 })).toEqual({
      channel: 'P6V',
      voltage: 5,
      current_limit: 1,
    });
    await call('set_output', { channel: 'P25V', voltage: 20, current_limit: 0.1 });
    await call('set_output', { channel: 'N25V', voltage: -12, current_limit: 0.5 });
    expect(await call('output_on')).toEqual({ output_enabled: true });

    expect(await call('measure_voltage', { channel: 'P6V' })).toBeCloseTo(5, 2);
    expect(await call('measure_current', { channel: 'P6V' })).toBeCloseTo(0.5, 3);
    // 20 V into 100 Ω wants 0.2 A; limited to 0.1 A the supply regulates current: 10 V.
    expect(await call('measure_voltage', { channel: 'P25V' })).toBeCloseTo(10, 2);
    expect(await call('measure_current', { channel: 'P25V' })).toBeCloseTo(0.1, 3);
    expect(await call('measure_voltage', { channel: 'N25V' })).toBeCloseTo(-12, 2);

    expect(await call('get_settings')).toEqual({
      outputs: [
        { channel: 'P6V', voltage: 5, current_limit: 1 },
        { channel: 'P25V', voltage: 20, current_limit: 0.1 },
        { channel: 'N25V', voltage: -12, current_limit: 0.5 },
      ],
      output_enabled: true,
    });
    expect(await HPE3631A.attributes!.output_enabled.get(deviceContext(HPE3631A, session))).toBe(
      true,
    );
    expect(await call('output_off')).toEqual({ output_enabled: false });
    expect(Math.abs(await call('measure_voltage', { channel: 'P6V' }))).toBeLessThan(0.01);
  });
});
