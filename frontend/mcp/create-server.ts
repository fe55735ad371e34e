import type { Logger } from '../../protocol/index.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Fleet } from '../fleet/fleet.js';
import type { CallLabels } from './call-labels.js';
import { callServed, type CallContext, type ToolExtra } from './call-served.js';
import { registerCatalogTools } from './catalog-tools.js';
import type { CatalogView } from '../toolsets/catalog-view.js';
import { CatalogMirror } from './catalog-mirror.js';

/** What a server needs. */
export interface ServerDeps {
  fleet: Fleet;
  version: string;
  log: Logger;
  /** Where each call's worker request id is tied to its client, for the console. */
  labels?: CallLabels;
  /** The catalog as clients see it: what is listed (toolsets, --read-only), the search. */
  view: CatalogView;
  /** List every tool's whole output schema (frontend.output_schemas). */
  fullOutputSchemas?: boolean;
}

const INSTRUCTIONS =
  'labrelay drives laboratory instruments through worker processes that own them. ' +
  'Calls on one instrument run one at a time in arrival order; calls on different instruments run ' +
  'concurrently. Every parameter is validated before anything reaches hardware, and an error ' +
  'names the field, the value sent and what is allowed. Errors end with a code in brackets: ' +
  'TIMEOUT with "outcome unknown" means the call may have run — check the instrument state ' +
  'before repeating a call that changes it.';

/**
 * Builds one MCP server (one per client session) whose tools mirror the workers' methods and
 * follow them when they change. `cleanup` detaches it from the fleet.
 */
export function createServer(deps: ServerDeps): { server: McpServer; cleanup: () => void } {
  const server = new McpServer(
    { name: 'labrelay', version: deps.version },
    {
      // Tools are declared by the first registration, after routeToolCalls is in place: a
      // tools capability here would make the SDK install its tools/call handler at once.
      capabilities: {
        prompts: { listChanged: true },
        resources: { listChanged: true },
      },
      instructions: INSTRUCTIONS,
    },
  );
  const { view } = deps;
  const ctx = { server, log: deps.log, labels: deps.labels };
  routeToolCalls(server, deps.fleet, view, ctx);
  registerCatalogTools(ctx, deps.fleet, view);
  const mirror = new CatalogMirror(server, deps.log, view, deps.labels, deps.fullOutputSchemas);
  mirror.sync(deps.fleet.catalog);
  const unsubscribe = deps.fleet.onChange((catalog) => mirror.sync(catalog));
  return { server, cleanup: unsubscribe };
}

/**
 * Routes every tools/call of a catalog tool, whatever the list says: a down worker's tools leave
 * the list, but a client holding an older list (an EAA task manager calls tools by name in a
 * loop) must learn why its call failed, not that the tool "was not found"; and a tool outside the
 * listed toolsets runs when called by name. The SDK's own handler answers only the rest
 * (search_tools, call_tool). The SDK installs that handler on the first tool registration; this
 * wraps it, through the public setRequestHandler, and registers a placeholder so that it happens
 * now — before connect, when capabilities can still be declared — even while no worker has tools.
 */
type Handler = (request: unknown, extra: unknown) => unknown;

function routeToolCalls(
  server: McpServer,
  fleet: Fleet,
  view: CatalogView,
  ctx: CallContext,
): void {
  const protocol = server.server;
  const set = protocol.setRequestHandler.bind(protocol);
  protocol.setRequestHandler = ((schema: unknown, handler: Handler) => {
    if (schema !== CallToolRequestSchema) return set(schema as never, handler as never);
    return set(CallToolRequestSchema, (request, extra) => {
      const { name, arguments: args } = (
        request as { params: { name: string; arguments?: Record<string, unknown> } }
      ).params;
      const reason = fleet.catalog.unavailable.get(name);
      if (reason === undefined) {
        // A tool outside the listed toolsets, called by name (a client that knows it, or that
        // found it): it runs as if listed — the same worker, rules and audit.
        // Every catalog tool, listed or not, runs by the same path: a client that knows a tool
        // outside the listed toolsets (or holds a list from before a change) reaches it too.
        const served = view.get(name);
        if (!served) return handler(request, extra) as never;
        if (
          view.selection.readOnly &&
          !served.method.annotations.readOnlyHint &&
          name !== 'stop_all'
        ) {
          const refused: CallToolResult = {
            isError: true,
            content: [
              {
                type: 'text',
                text: `${name} writes, and this lab is served read-only (--read-only) [REFUSED]`,
              },
            ],
          };
          return refused as never;
        }
        return callServed(ctx, served, args ?? {}, extra as ToolExtra) as never;
      }
      const result: CallToolResult = {
        isError: true,
        content: [{ type: 'text', text: `${name} failed: ${reason} [UNAVAILABLE]` }],
      };
      return result;
    });
  }) as typeof protocol.setRequestHandler;
  server.registerTool('_', { description: '' }, () => ({ content: [] })).remove();
}
