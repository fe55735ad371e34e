import { toolSignature } from '../../protocol/index.js';
import type { FleetCatalog } from '../fleet/fleet.js';

/** `--verbose`: the MCP tools served, one signature per line, with the worker behind each. */
export function formatTools(catalog: FleetCatalog): string {
  const workers = new Set(catalog.tools.map((t) => t.worker).filter((w) => w !== null));
  const lines = catalog.tools.map(({ method: m, worker }) => {
    const from = workers.size > 1 ? `  [${worker ?? 'all workers'}]` : '';
    return `  tool ${toolSignature(m.name, m.inputSchema, m.outputSchema)}${from}`;
  });
  const withdrawn = [...catalog.unavailable.keys()].map((name) => `  unavailable ${name}`);
  return [`MCP tools: ${catalog.tools.length}`, ...lines, ...withdrawn].join('\n');
}
