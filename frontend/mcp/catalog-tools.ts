import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod';
import type { Fleet } from '../fleet/fleet.js';
import type { CatalogView } from '../toolsets/catalog-view.js';
import { callServed, type CallContext } from './call-served.js';
import { compactInputSchema } from './compact-schema.js';

const MAX_HITS = 20;

/**
 * `search_tools` and `call_tool`: always listed, small, and enough to reach the whole catalog
 * from any client — also from one that registers tools once and ignores tools/list_changed
 * (EAA). A found tool is called under exactly the rules of a listed one: the worker validates
 * its arguments against its schema, applies the safety policy and audits it, and its progress,
 * approvals and cancellation go through callServed.
 */
export function registerCatalogTools(
  ctx: CallContext,
  fleet: Fleet,
  view: CatalogView,
): void {
  ctx.server.registerTool(
    'search_tools',
    {
      title: 'Search the tool catalog',
      description:
        'Find tools by what they do, in words (e.g. "measure dc voltage on the 34401A"): names, ' +
        'descriptions, instruments, device classes and units. Returns the best matches with ' +
        'their input schemas; run one with call_tool. Tools listed here need no search.',
      inputSchema: {
        query: z.string().min(1).max(500).describe('What you want to do, in words.'),
        limit: z.number().int().min(1).max(MAX_HITS).default(5).describe('How many matches (1–20).'),
      },
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    ({ query, limit }): CallToolResult => {
      const hits = view.search.search(query, limit ?? 5).map((h) => ({
        name: h.tool.method.name,
        description: h.tool.method.description,
        toolset: h.place?.toolset ?? 'other',
        listed: view.isListed(h.tool.method.name),
        writes: !h.tool.method.annotations.readOnlyHint,
        inputSchema: compactInputSchema(h.tool.method.inputSchema),
      }));
      const structured = { query, tools: hits };
      return {
        structuredContent: structured,
        content: [
          {
            type: 'text',
            text: hits.length
              ? JSON.stringify(structured)
              : `no tool matches "${query}"; try other words (a device class, a quantity, an action)`,
          },
        ],
      };
    },
  );

  ctx.server.registerTool(
    'call_tool',
    {
      title: 'Call any catalog tool',
      description:
        'Run a tool found with search_tools by its name, with its arguments as its input ' +
        'schema says. The same checks, safety rules, approvals and progress apply as when a ' +
        'tool is listed.',
      inputSchema: {
        name: z.string().min(1).max(200).describe('The tool name, as search_tools gave it.'),
        arguments: z
          .record(z.string(), z.unknown())
          .default({})
          .describe("The tool's arguments, an object matching its input schema."),
      },
      annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: false },
    },
    async ({ name, arguments: args }, extra): Promise<CallToolResult> => {
      const unavailable = fleet.catalog.unavailable.get(name);
      if (unavailable !== undefined) return failure(`${name} failed: ${unavailable} [UNAVAILABLE]`);
      const tool = view.get(name);
      const blocked = fleet.members
        .map((m) => m.lastDescribed?.blocked?.[name])
        .find((reason) => reason !== undefined);
      if (!tool && blocked !== undefined) {
        return failure(`${name} is blocked by configuration and was not run: ${blocked} [BLOCKED]`);
      }
      if (!tool) {
        const near = view.search.search(name.replace(/_/g, ' '), 3).map((h) => h.tool.method.name);
        return failure(
          `call_tool: no tool named "${name}"` +
            (near.length ? `; did you mean ${near.join(', ')}?` : '; search_tools finds them'),
        );
      }
      if (view.selection.readOnly && !tool.method.annotations.readOnlyHint && name !== 'stop_all') {
        return failure(
          `call_tool: ${name} writes, and this lab is served read-only (--read-only) [REFUSED]`,
        );
      }
      return callServed(ctx, tool, args ?? {}, extra);
    },
  );
}

function failure(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }] };
}
