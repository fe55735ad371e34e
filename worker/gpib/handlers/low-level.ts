import { WorkerError } from '../../../protocol/index.js';
import { refusedRawCommand } from '../raw-command-policy.js';
import { targetOf, type GpibDeps, type GpibHandlers } from './deps.js';

/** Commands whose reply comes from the bus and may take the adapter's full read timeout. */
const SLOW_COMMANDS = /^\+\+(read|spoll|allspoll|srq|fndl|findlstn|findrqs|ppoll)\b/i;
/** How long raw_command listens for other commands' output (most settings print nothing). */
const QUICK_LISTEN_MS = 300;

/** raw_command, raw_scpi, bus_diagnostic. */
export function lowLevelHandlers({
  manager,
  allowRawCommands,
}: GpibDeps): GpibHandlers<'raw_command' | 'raw_scpi' | 'bus_diagnostic'> {
  return {
    raw_command: async ({ bridge_name, command }) => {
      const refused = refusedRawCommand(command, allowRawCommands);
      if (refused) throw new WorkerError('BLOCKED', refused, { bridge: bridge_name, command });
      const { bridge, bus } = manager.get(bridge_name);
      const listen = SLOW_COMMANDS.test(command)
        ? bridge.config.readTmoMs + bridge.config.linkSlackMs
        : QUICK_LISTEN_MS;
      const { reply, wire } = await bus.rawCommand(command, listen);
      return { bridge_name, command, reply, wire };
    },

    raw_scpi: async (p) => {
      if ((p.command === undefined) === (p.data_base64 === undefined)) {
        throw new WorkerError(
          'INVALID_PARAMS',
          'raw_scpi needs exactly one of "command" (text) and "data_base64" (bytes)',
          { path: ['params', 'command'] },
        );
      }
      const data =
        p.command !== undefined
          ? Buffer.from(p.command, 'latin1')
          : Buffer.from(p.data_base64!, 'base64');
      const { bus } = manager.get(p.bridge_name);
      const label = p.command ?? `${data.length} bytes`;
      if (!p.read) {
        const wire = await bus.write(targetOf(p), data);
        return {
          bridge_name: p.bridge_name,
          address: p.address,
          bytes_sent: data.length,
          response: null,
          response_base64: null,
          wire,
        };
      }
      const reply = await bus.query(targetOf(p), data, label, p.timeout_ms);
      return {
        bridge_name: p.bridge_name,
        address: p.address,
        bytes_sent: data.length,
        response: reply.bytes.toString('latin1'),
        response_base64: reply.bytes.toString('base64'),
        wire: reply.wire,
      };
    },

    bus_diagnostic: async ({ bridge_name }) => {
      const { bridge, bus } = manager.get(bridge_name);
      const findings: string[] = [];
      if (bridge.state !== 'connected') {
        findings.push(
          `the bridge is ${bridge.state}${bridge.lastError ? `: ${bridge.lastError}` : ''}; call connect_bridge`,
        );
        return {
          bridge_name,
          ok: false,
          firmware_version: null,
          settings: {},
          srq: null,
          findings,
          wire: [],
        };
      }
      const expected: Record<string, string> = {
        '++mode': '1',
        '++auto': '0',
        '++eoi': '1',
        '++eos': String(bridge.config.eos),
        '++eot_enable': '0',
        '++read_tmo_ms': String(bridge.config.readTmoMs),
      };
      const settings: Record<string, string | null> = {};
      const wire: string[] = [];
      const version = await bus.rawCommand('++ver', QUICK_LISTEN_MS);
      wire.push(...version.wire);
      for (const [command, want] of Object.entries(expected)) {
        const { reply, wire: w } = await bus.rawCommand(command, QUICK_LISTEN_MS);
        wire.push(...w);
        const got = reply[0]?.trim() ?? null;
        settings[command] = got;
        if (got !== want) {
          findings.push(
            `${command} reports ${got === null ? 'nothing' : `"${got}"`}, labrelay set ${want}: the adapter ` +
              'rebooted or another program changed it; disconnect_bridge and connect_bridge re-apply the settings',
          );
        }
      }
      const srq = await bus.srq();
      wire.push(...srq.wire);
      if (srq.asserted)
        findings.push('SRQ is asserted: an instrument requests service; run check_srq');
      if (bridge.stats.staleBytesDiscarded > 0) {
        findings.push(
          `${bridge.stats.staleBytesDiscarded} stale bytes were discarded before transactions: replies arrived ` +
            'after their read gave up; raise read_tmo_ms or read_timeout_ms for slow instruments',
        );
      }
      if (bridge.stats.reconnects > 0)
        findings.push(`the link was re-established ${bridge.stats.reconnects} time(s)`);
      return {
        bridge_name,
        ok: findings.length === 0,
        firmware_version: version.reply[0] ?? null,
        settings,
        srq: srq.asserted,
        findings,
        wire,
      };
    },
  };
}
