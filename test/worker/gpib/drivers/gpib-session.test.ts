import { describe, expect, it } from 'vitest';
import { GpibSession, gpibDeviceName } from '../../../../worker/gpib/devices/gpib-session.js';
import { InstrumentError } from '../../../../worker/gpib/errors.js';
import { expectedProtocol } from '../../../helpers/expected-protocol.js';

describe('GpibSession', () => {
  it('names devices bridge/address, with .secondary when there is one', () => {
    expect(gpibDeviceName('bench-a', { primary: 22 })).toBe('bench-a/22');
    expect(gpibDeviceName('bench-a', { primary: 9, secondary: 1 })).toBe('bench-a/9.1');
  });

  it('writes and queries through the bus, trimming the reply terminator', async () => {
    await expectedProtocol(
      [
        { send: '++addr 9 97' },
        { send: 'CONF:VOLT:DC' },
        { send: 'READ?' },
        { send: '++read eoi', reply: '+1.5E+00\r\n' },
      ],
      async (bus) => {
        const session = new GpibSession(bus, 'bench-t', { primary: 9, secondary: 1 });
        await session.write('CONF:VOLT:DC');
        expect(await session.queryNumber('READ?')).toBe(1.5);
      },
    );
  });

  it('a text reply where a block was expected is a DEVICE_ERROR naming device and command', async () => {
    await expectedProtocol(
      [{ send: '++addr 1' }, { send: 'CURV?' }, { send: '++read eoi', reply: '1,2,3\n' }],
      async (bus) => {
        const error = await new GpibSession(bus, 'bench-t', { primary: 1 })
          .queryBlock('CURV?')
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(InstrumentError);
        expect(error).toMatchObject({
          code: 'DEVICE_ERROR',
          message:
            'instrument bench-t/1 answered "1,2,3", not an IEEE 488.2 block (#<n><length><bytes>) (to CURV?)',
          data: { bridge: 'bench-t', address: 1, command: 'CURV?' },
        });
      },
    );
  });

  it('an instrument that does not answer is the bus TIMEOUT, naming address and command', async () => {
    await expectedProtocol(
      [{ send: '++addr 22' }, { send: 'MEAS:VOLT:DC?' }, { send: '++read eoi' }],
      async (bus) => {
        await expect(
          new GpibSession(bus, 'bench-t', { primary: 22 }).query('MEAS:VOLT:DC?'),
        ).rejects.toMatchObject({
          code: 'TIMEOUT',
          message: expect.stringMatching(/address 22 on bench-t did not answer MEAS:VOLT:DC\?/),
        });
      },
    );
  });
});
