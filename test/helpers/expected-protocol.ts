import { expect } from 'vitest';
import { Ar488Bridge } from '../../worker/gpib/ar488-bridge.js';
import { BRIDGE_DEFAULTS, type BridgeConfig } from '../../worker/gpib/bridge-config.js';
import { BusOperations } from '../../worker/gpib/bus-operations.js';
import { captureLog } from './capture-log.js';
import { MockLink, type Step } from './mock-link.js';

export const TL_053 = 'AR488 GPIB controller, ver. 0.53.04, 13/04/2025';

/** A bridge config for transcript tests (no pacing, short adapter timeouts). */
export function testBridgeConfig(overrides: Partial<BridgeConfig> = {}): BridgeConfig {
  return {
    ...BRIDGE_DEFAULTS,
    name: 'bench-t',
    transport: { kind: 'tcp', host: 'mock', port: 23 },
    interCommandDelayMs: 0,
    readTmoMs: 100,
    linkSlackMs: 50,
    readTimeoutMs: 1000,
    startupWindowMs: 1500,
    ...overrides,
  };
}

/** What the driver sends to bring an adapter up: ++ver, the init sequence, ++ver again. */
export function initSteps(version = TL_053, config = testBridgeConfig()): Step[] {
  return [
    { send: '++ver', reply: `${version}\r\n` },
    { send: '++mode 1' },
    { send: '++auto 0' },
    { send: '++eoi 1' },
    { send: `++eos ${config.eos}` },
    { send: '++eot_enable 0' },
    { send: `++read_tmo_ms ${config.readTmoMs}` },
    { send: '++idn 0' },
    { send: '++ver', reply: `${version}\r\n` },
  ];
}

/**
 * PyMeasure's expected_protocol for the AR488 driver: connects a bridge over a scripted link
 * (init transcript first), runs `body`, then asserts that every scripted line was sent in order
 * and nothing else was.
 */
export async function expectedProtocol(
  steps: Step[],
  body: (bus: BusOperations, bridge: Ar488Bridge, link: MockLink) => Promise<void>,
  overrides: Partial<BridgeConfig> = {},
): Promise<MockLink> {
  const config = testBridgeConfig(overrides);
  const link = new MockLink([...initSteps(TL_053, config), ...steps]);
  const bridge = new Ar488Bridge(config, link, captureLog());
  await bridge.connect();
  await body(new BusOperations(bridge), bridge, link);
  expect(link.unexpected, 'lines sent but not in the transcript').toEqual([]);
  expect(
    link.remaining.map((s) => String(s.send)),
    'transcript lines never sent',
  ).toEqual([]);
  return link;
}
