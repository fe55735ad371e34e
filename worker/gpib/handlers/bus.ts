import { NoListenersError } from '../errors.js';
import { describeStatusByte } from '../status-byte.js';
import type { BusOperations } from '../bus-operations.js';
import type { BridgeManager } from '../bridge-manager.js';
import { targetOf, type GpibDeps, type GpibHandlers } from './deps.js';

/** bus_scan, serial_poll, check_srq, wait_srq, bus_clear, bus_trigger, interface_clear, parallel_poll. */
export function busHandlers({
  manager,
}: GpibDeps): GpibHandlers<
  | 'bus_scan'
  | 'serial_poll'
  | 'check_srq'
  | 'wait_srq'
  | 'bus_clear'
  | 'bus_trigger'
  | 'interface_clear'
  | 'parallel_poll'
> {
  return {
    bus_scan: async ({ bridge_name, identify }) => {
      const { method, instruments, wire } = await manager.scan(bridge_name, identify);
      return { bridge_name, method: method as 'fndl' | 'findlstn' | 'probe', instruments, wire };
    },

    serial_poll: async ({ bridge_name, address, secondary_address }) => {
      const { bus } = manager.get(bridge_name);
      if (address !== undefined) {
        const { status, wire } = await bus.serialPoll(targetOf({ address, secondary_address }));
        return { bridge_name, results: [describeStatusByte(address, status)], wire };
      }
      const { results, wire } = await pollKnown(manager, bridge_name, bus);
      return { bridge_name, results, wire };
    },

    check_srq: async ({ bridge_name }) => {
      const { bus } = manager.get(bridge_name);
      const { asserted, wire } = await bus.srq();
      if (!asserted) return { bridge_name, srq: false, requesting: [], wire };
      const polled = await pollKnown(manager, bridge_name, bus);
      return {
        bridge_name,
        srq: true,
        requesting: polled.results.filter((r) => r.rqs),
        wire: [...wire, ...polled.wire],
      };
    },

    wait_srq: async ({ bridge_name, timeout_ms, poll_interval_ms }, op) => {
      const { bus } = manager.get(bridge_name);
      const started = performance.now();
      const wire: string[] = [];
      for (;;) {
        // Each check is its own transaction: other calls on the bridge run between them.
        const check = await bus.srq();
        if (wire.length < 4) wire.push(...check.wire);
        const waited = performance.now() - started;
        if (check.asserted) {
          const polled = await pollKnown(manager, bridge_name, bus);
          return {
            bridge_name,
            srq: true,
            waited_ms: Math.round(waited),
            requesting: polled.results.filter((r) => r.rqs),
            wire: [...wire, ...polled.wire],
          };
        }
        if (waited >= timeout_ms)
          return { bridge_name, srq: false, waited_ms: Math.round(waited), requesting: [], wire };
        op.progress(Math.round(waited), timeout_ms, 'waiting for SRQ');
        await op.sleep(Math.min(poll_interval_ms, timeout_ms - waited));
      }
    },

    bus_clear: async ({ bridge_name, address, secondary_address }) => {
      const { bus } = manager.get(bridge_name);
      if (address === undefined) {
        return {
          bridge_name,
          cleared: 'all devices (DCL)',
          wire: await bus.adapterAction(['++dcl']),
        };
      }
      const wire = await bus.adapterAction(['++clr'], targetOf({ address, secondary_address }));
      return { bridge_name, cleared: `address ${address} (SDC)`, wire };
    },

    bus_trigger: async ({ bridge_name, addresses }) => {
      const { bridge, bus } = manager.get(bridge_name);
      const list = addresses ?? [];
      const wire = await bus.adapterAction([list.length ? `++trg ${list.join(' ')}` : '++trg']);
      const current = bridge.currentAddress?.primary;
      return {
        bridge_name,
        triggered: list.length ? list : current !== undefined ? [current] : [],
        wire,
      };
    },

    interface_clear: async ({ bridge_name }) => ({
      bridge_name,
      wire: await manager.get(bridge_name).bus.adapterAction(['++ifc']),
    }),

    parallel_poll: async ({ bridge_name }) => {
      const { status, wire } = await manager.get(bridge_name).bus.parallelPoll();
      return { bridge_name, status_byte: status, wire };
    },
  };
}

/** Serial-polls every instrument the last scan found on a bridge. */
async function pollKnown(manager: BridgeManager, bridge: string, bus: BusOperations) {
  const known = manager.registry.list(bridge);
  if (known.length === 0) {
    throw new NoListenersError(
      `no known instruments on ${bridge}: run bus_scan first, or give an address`,
      { bridge },
    );
  }
  const results = [];
  const wire: string[] = [];
  for (const instrument of known) {
    const polled = await bus.serialPoll({
      primary: instrument.address,
      secondary: instrument.secondary_address,
    });
    wire.push(...polled.wire);
    results.push(describeStatusByte(instrument.address, polled.status));
  }
  return { results, wire };
}
