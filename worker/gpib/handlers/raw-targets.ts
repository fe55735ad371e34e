import type { WriteTarget } from '../../engine/write-gate.js';
import type { GpibDeps } from './deps.js';

/**
 * What the raw instrument tools send, for the safety policy: the message as written, to the
 * instrument at that address — its driver class (what typed limits it has) and its *IDN? model
 * (which SCPI rules apply). No path around the typed tools' limits: `APPL P25V,25` through
 * instrument_write meets the same policy as HPE3631A_set_output.
 */
export function rawTargets(deps: GpibDeps): Record<string, WriteTarget> {
  const device = (p: Record<string, unknown>) => {
    const bridge = String(p.bridge_name);
    const address = Number(p.address);
    const bound = deps.deviceAt?.(bridge, address) ?? null;
    const record = deps.manager.registry
      .list(bridge)
      .find((r) => r.address === address && r.secondary_address === p.secondary_address);
    const model = record?.identity?.model ?? null;
    return {
      name: bound?.name ?? `${bridge}/${address}`,
      class: bound?.class ?? 'unbound',
      model,
    };
  };
  const text: WriteTarget = {
    device,
    messages: (p) => [String(p.command)],
    points: () => [{}],
  };
  return {
    instrument_write: text,
    instrument_query: text,
    instrument_query_binary: text,
    raw_scpi: {
      device,
      messages: (p) => [
        p.command !== undefined
          ? String(p.command)
          : Buffer.from(String(p.data_base64 ?? ''), 'base64').toString('latin1'),
      ],
      points: () => [{}],
    },
  };
}
