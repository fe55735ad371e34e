import { createHash } from 'node:crypto';
import { InstrumentError } from '../errors.js';
import { targetOf, type GpibDeps, type GpibHandlers } from './deps.js';

/**
 * instrument_query, instrument_query_binary, instrument_write, instrument_identify,
 * list_instruments, instrument_reset, instrument_local, instrument_remote.
 */
export function instrumentHandlers({
  manager,
  artifacts,
}: GpibDeps): GpibHandlers<
  | 'instrument_query'
  | 'instrument_query_binary'
  | 'instrument_write'
  | 'instrument_identify'
  | 'list_instruments'
  | 'instrument_reset'
  | 'instrument_local'
  | 'instrument_remote'
> {
  return {
    instrument_query: async (p) => {
      const reply = await manager
        .get(p.bridge_name)
        .bus.query(targetOf(p), Buffer.from(p.command, 'latin1'), p.command, p.timeout_ms);
      return {
        bridge_name: p.bridge_name,
        address: p.address,
        command: p.command,
        response: reply.text,
        bytes: reply.bytes.length,
        elapsed_ms: Math.round(reply.elapsedMs * 1000) / 1000,
        wire: reply.wire,
      };
    },

    instrument_query_binary: async (p, op) => {
      const reply = await manager
        .get(p.bridge_name)
        .bus.query(targetOf(p), Buffer.from(p.command, 'latin1'), p.command, p.timeout_ms);
      if (!reply.block) {
        throw new InstrumentError(
          'DEVICE_ERROR',
          `instrument at address ${p.address} on ${p.bridge_name} answered ${p.command} with ` +
            `"${reply.text.slice(0, 40)}", not an IEEE 488.2 block (#<n><length><bytes>)`,
          { bridge: p.bridge_name, address: p.address, command: p.command },
        );
      }
      const { dataStart, length } = reply.block;
      const data = reply.bytes.subarray(dataStart, dataStart + length);
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const base = `gpib/${p.bridge_name}/${stamp}-a${p.address}-${op.id.slice(0, 8)}`;
      const sha256 = createHash('sha256').update(data).digest('hex');
      const header = reply.bytes.subarray(0, dataStart).toString('latin1').trim();
      const artifact = await artifacts.write(`${base}.bin`, data);
      const metadata = await artifacts.write(
        `${base}.json`,
        JSON.stringify(
          {
            bridge_name: p.bridge_name,
            address: p.address,
            command: p.command,
            header,
            bytes: length,
            sha256,
            time: new Date().toISOString(),
            request_id: op.id,
          },
          null,
          2,
        ),
      );
      return {
        bridge_name: p.bridge_name,
        address: p.address,
        command: p.command,
        artifact_path: artifact,
        metadata_path: metadata,
        bytes: length,
        header,
        sha256,
        head_hex: data.subarray(0, 32).toString('hex'),
        elapsed_ms: Math.round(reply.elapsedMs * 1000) / 1000,
        wire: reply.wire,
      };
    },

    instrument_write: async (p) => {
      const data = Buffer.from(p.command, 'latin1');
      const wire = await manager.get(p.bridge_name).bus.write(targetOf(p), data);
      return {
        bridge_name: p.bridge_name,
        address: p.address,
        command: p.command,
        bytes_sent: data.length,
        wire,
      };
    },

    instrument_identify: async (p) => {
      const { identity, wire } = await manager.get(p.bridge_name).bus.identify(targetOf(p));
      return { bridge_name: p.bridge_name, address: p.address, identity, wire };
    },

    list_instruments: ({ bridge_name }) => ({ instruments: manager.registry.list(bridge_name) }),

    instrument_reset: async (p) => {
      const { bus } = manager.get(p.bridge_name);
      const wire = [
        ...(await bus.write(targetOf(p), Buffer.from('*RST'))),
        ...(await bus.write(targetOf(p), Buffer.from('*CLS'))),
      ];
      return { bridge_name: p.bridge_name, address: p.address, wire };
    },

    instrument_local: async (p) => {
      const wire = await manager.get(p.bridge_name).bus.adapterAction(['++loc'], targetOf(p));
      return { bridge_name: p.bridge_name, address: p.address, wire };
    },

    instrument_remote: async (p) => {
      const lines = p.lockout ? ['++ren 1', '++llo'] : ['++ren 1'];
      const wire = await manager.get(p.bridge_name).bus.adapterAction(lines, targetOf(p));
      return { bridge_name: p.bridge_name, address: p.address, wire };
    },
  };
}
