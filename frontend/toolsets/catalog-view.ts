import type { DescribeResult } from '../../protocol/index.js';
import type { Fleet, FleetCatalog, ServedTool } from '../fleet/fleet.js';
import { CatalogSearch } from './catalog-search.js';
import { placeTools, type ToolPlacement, type ToolSelection } from './toolsets.js';

/**
 * The fleet's catalog as a client sees it: every tool, where each belongs, which are listed
 * under the chosen toolsets, and the search over all of them. One per frontend, shared by every
 * MCP session; rebuilt when the catalog changes, before the sessions' lists follow it (it
 * subscribes to the fleet first).
 */
export class CatalogView {
  tools: ServedTool[] = [];
  placed = new Map<string, ToolPlacement>();
  listed: ServedTool[] = [];
  search!: CatalogSearch;
  private byName = new Map<string, ServedTool>();
  /**
   * Workers seen serving Tango devices: kept, so that a bridge that restarts (and describes
   * itself before its devices are found again) keeps its tools in the `tango` toolset.
   */
  private readonly tangoWorkers = new Set<string>();

  constructor(
    private readonly fleet: Fleet,
    readonly selection: ToolSelection,
  ) {
    this.update(fleet.catalog);
    fleet.onChange((catalog) => this.update(catalog));
  }

  private update(catalog: FleetCatalog): void {
    const described = new Map<string, DescribeResult | undefined>(
      this.fleet.members.map((m) => [m.name, m.lastDescribed]),
    );
    this.tools = catalog.tools;
    this.byName = new Map(catalog.tools.map((t) => [t.method.name, t]));
    for (const [name, d] of described) {
      if (d?.devices.some((dev) => dev.origin.startsWith('tango'))) this.tangoWorkers.add(name);
    }
    this.placed = placeTools(catalog.tools, described, this.tangoWorkers);
    this.listed = catalog.tools.filter((t) =>
      this.selection.lists(t, this.placed.get(t.method.name)),
    );
    this.search = new CatalogSearch(catalog.tools, this.placed, described);
  }

  get(name: string): ServedTool | undefined {
    return this.byName.get(name);
  }

  isListed(name: string): boolean {
    return this.listed.some((t) => t.method.name === name);
  }
}
