import type { DescribeResult } from '../../protocol/index.js';
import type { ServedTool } from '../fleet/fleet.js';

/**
 * Named groups of tools, chosen in the config (`frontend.toolsets`) or with `--toolsets`, as
 * GitHub's MCP server does ("enabling only the toolsets that you need can help the LLM with tool
 * choice and reduce the context size"). A tool outside the chosen sets is not listed but stays
 * reachable: by `search_tools` and `call_tool`, and by name, under the same rules.
 */
export const NAMED_TOOLSETS: Readonly<Record<string, readonly string[]>> = {
  core: ['health', 'worker_status', 'list_devices'],
  safety: ['stop_all'],
  // EAA's names, exactly as its task managers call them.
  eaa: [
    'set_parameters',
    'acquire_image',
    'acquire_line_scan',
    'get_image_array_payload',
    'get_attribute_payload',
    'set_attribute',
    'set_config',
    'dump_array',
    'get_state',
    'get_current_image_info',
    'get_previous_image_info',
    'get_initial_image_info',
  ],
  imaging: ['autofocus', 'acquire_mosaic'],
  gpib: [
    'list_bridges',
    'bridge_status',
    'list_instruments',
    'bus_scan',
    'instrument_identify',
    'instrument_query',
    'instrument_write',
    'instrument_query_binary',
    'serial_poll',
  ],
  gpib_low: [
    'connect_bridge',
    'disconnect_bridge',
    'configure_bridge',
    'check_srq',
    'wait_srq',
    'bus_clear',
    'bus_trigger',
    'interface_clear',
    'parallel_poll',
    'instrument_reset',
    'instrument_local',
    'instrument_remote',
    'raw_command',
    'raw_scpi',
    'bus_diagnostic',
  ],
};

/** What `frontend.toolsets` holds by default: a lab's essentials; the rest by search. */
export const DEFAULT_TOOLSETS = ['core', 'safety', 'eaa', 'gpib'] as const;

/**
 * Besides the named sets: `all` (the full catalog), `default`, `devices` (every device class),
 * `diagnostics` (diag_*), `tango` (the Tango bridges' tools), and any device class by name
 * (`HP34401A`).
 */
export const GROUP_NAMES = ['all', 'default', 'devices', 'diagnostics', 'tango'] as const;

/** Listed whatever the selection: finding and calling the rest, and stopping everything. */
export const ALWAYS_LISTED = new Set(['search_tools', 'call_tool', 'stop_all']);

/** The toolset of each served tool, and the device class of the device tools. */
export interface ToolPlacement {
  toolset: string;
  /** The device class, for device tools (a GPIB driver, a microscope device, a Tango class). */
  deviceClass?: string;
  /** Served by a Tango bridge. */
  tango: boolean;
}

const BY_NAME = new Map(
  Object.entries(NAMED_TOOLSETS).flatMap(([set, names]) => names.map((n) => [n, set] as const)),
);

/** Where each tool belongs, from the workers' descriptions (device classes name their tools). */
export function placeTools(
  tools: ServedTool[],
  described: Map<string, DescribeResult | undefined>,
  tangoWorkers: ReadonlySet<string>,
): Map<string, ToolPlacement> {
  const classOf = new Map<string, { cls: string; tango: boolean }>();
  for (const [worker, d] of described) {
    if (!d) continue;
    const tango = tangoWorkers.has(worker);
    for (const c of d.device_classes) {
      const names = [
        ...c.commands.map((x) => x.tool),
        ...c.attributes.flatMap((a) => [a.tools.get, a.tools.set]),
      ];
      for (const name of names)
        if (name) classOf.set(`${worker}\u0000${name}`, { cls: c.name, tango });
    }
  }
  const placed = new Map<string, ToolPlacement>();
  for (const tool of tools) {
    const name = tool.method.name;
    const bare = tool.workerMethod ?? name;
    const device = tool.worker === null ? undefined : classOf.get(`${tool.worker}\u0000${bare}`);
    if (device) {
      placed.set(name, { toolset: device.cls, deviceClass: device.cls, tango: device.tango });
    } else if (BY_NAME.has(bare)) {
      placed.set(name, { toolset: BY_NAME.get(bare)!, tango: false });
    } else if (bare.startsWith('diag_')) {
      placed.set(name, { toolset: 'diagnostics', tango: false });
    } else {
      const tango = tool.worker !== null && tangoWorkers.has(tool.worker);
      placed.set(name, { toolset: tango ? 'tango' : 'other', tango });
    }
  }
  return placed;
}

/** Which tools the client sees listed. */
export class ToolSelection {
  private readonly sets: Set<string>;

  constructor(
    toolsets: readonly string[],
    readonly readOnly: boolean,
  ) {
    this.sets = new Set(toolsets.flatMap((s) => (s === 'default' ? [...DEFAULT_TOOLSETS] : [s])));
  }

  get all(): boolean {
    return this.sets.has('all');
  }

  lists(tool: ServedTool, place: ToolPlacement | undefined): boolean {
    const name = tool.method.name;
    if (ALWAYS_LISTED.has(name)) return true;
    // --read-only: no tool that writes is offered (the worker refuses one sent anyway).
    if (this.readOnly && !tool.method.annotations.readOnlyHint) return false;
    if (this.all) return true;
    if (!place) return false;
    if (this.sets.has(place.toolset)) return true;
    if (place.deviceClass && this.sets.has('devices') && !place.tango) return true;
    return place.tango && this.sets.has('tango');
  }

  /** Names that match no toolset, group or device class served now, for a warning. */
  unknown(placed: Map<string, ToolPlacement>): string[] {
    const known = new Set<string>([
      ...Object.keys(NAMED_TOOLSETS),
      ...GROUP_NAMES,
      ...[...placed.values()].map((p) => p.toolset),
    ]);
    return [...this.sets].filter((s) => !known.has(s));
  }
}
