import { describeTransport } from '../bridge-config.js';
import { ConfigError } from '../errors.js';
import type { GpibDeps, GpibHandlers } from './deps.js';

/** list_bridges, bridge_status, connect_bridge, disconnect_bridge, configure_bridge. */
export function bridgeHandlers({
  manager,
}: GpibDeps): GpibHandlers<
  'list_bridges' | 'bridge_status' | 'connect_bridge' | 'disconnect_bridge' | 'configure_bridge'
> {
  const endpoint = (name: string) =>
    describeTransport(manager.get(name).bridge.config.transport).replace(/^\S+ /, '');
  return {
    list_bridges: () => ({
      bridges: manager.all().map(({ bridge }) => ({
        name: bridge.name,
        transport: bridge.config.transport.kind,
        endpoint: endpoint(bridge.name),
        state: bridge.state,
        firmware_version: bridge.firmware?.version ?? null,
        instruments: manager.registry.list(bridge.name).length,
        last_error: bridge.lastError,
      })),
    }),

    bridge_status: ({ bridge_name }) => {
      const { bridge } = manager.get(bridge_name);
      return {
        name: bridge.name,
        transport: bridge.config.transport.kind,
        endpoint: endpoint(bridge.name),
        connection_state: bridge.state,
        firmware_version: bridge.firmware?.version ?? null,
        listener_search: bridge.listenerSearch,
        current_address: bridge.currentAddress?.primary ?? null,
        read_timeout_ms: bridge.config.readTimeoutMs,
        read_tmo_ms: bridge.config.readTmoMs,
        inter_command_delay_ms: bridge.config.interCommandDelayMs,
        eos: bridge.config.eos,
        transactions: bridge.stats.transactions,
        reconnects: bridge.stats.reconnects,
        bytes_sent: bridge.stats.bytesOut,
        bytes_received: bridge.stats.bytesIn,
        stale_bytes_discarded: bridge.stats.staleBytesDiscarded,
        last_error: bridge.lastError,
      };
    },

    connect_bridge: async ({ bridge_name }) => {
      const { firmware, instruments } = await manager.connect(bridge_name);
      return { bridge_name, firmware_version: firmware, instruments };
    },

    disconnect_bridge: async ({ bridge_name }) => {
      await manager.get(bridge_name).bridge.disconnect();
      manager.registry.forget(bridge_name);
      return { bridge_name, state: 'disconnected' as const };
    },

    configure_bridge: async (p) => {
      const { bridge } = manager.get(p.bridge_name);
      const next = {
        ...bridge.config,
        readTimeoutMs: p.read_timeout_ms ?? bridge.config.readTimeoutMs,
        readTmoMs: p.read_tmo_ms ?? bridge.config.readTmoMs,
        interCommandDelayMs: p.inter_command_delay_ms ?? bridge.config.interCommandDelayMs,
        eos: (p.eos ?? bridge.config.eos) as 0 | 1 | 2 | 3,
        autoIdentify: p.auto_identify ?? bridge.config.autoIdentify,
      };
      if (next.readTmoMs >= next.readTimeoutMs) {
        // Timeouts nest: the adapter must give up before the host does, or a silent instrument
        // is reported as a generic host timeout instead of "did not answer".
        throw new ConfigError(
          `read_tmo_ms ${next.readTmoMs} must be below read_timeout_ms ${next.readTimeoutMs} on ${bridge.name}`,
          { bridge: bridge.name },
        );
      }
      const changed = {
        readTmoMs: next.readTmoMs !== bridge.config.readTmoMs,
        eos: next.eos !== bridge.config.eos,
      };
      bridge.config = next;
      const wire = bridge.state === 'connected' ? await bridge.applySettings(changed) : [];
      return {
        bridge_name: bridge.name,
        read_timeout_ms: next.readTimeoutMs,
        read_tmo_ms: next.readTmoMs,
        inter_command_delay_ms: next.interCommandDelayMs,
        eos: next.eos,
        auto_identify: next.autoIdentify,
        wire,
      };
    },
  };
}
