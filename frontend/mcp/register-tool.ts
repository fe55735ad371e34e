import type { McpServer, RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ServedTool } from '../fleet/fleet.js';
import { callServed, type CallContext } from './call-served.js';
import { compactInputSchema, listedOutputSchema } from './compact-schema.js';
import { passthroughSchema } from './json-schema-passthrough.js';

/**
 * Registers one served method as an MCP tool: its schemas as the worker declared them (made
 * compact, see compact-schema.ts), and its calls through callServed.
 */
export function registerTool(
  ctx: CallContext & { fullOutputSchemas: boolean },
  tool: ServedTool,
): RegisteredTool {
  const { method } = tool;
  const output = listedOutputSchema(method.outputSchema, ctx.fullOutputSchemas);
  return ctx.server.registerTool(
    method.name,
    {
      title: method.title,
      description: method.description,
      inputSchema: passthroughSchema(compactInputSchema(method.inputSchema)),
      ...(output ? { outputSchema: passthroughSchema(output) } : {}),
      annotations: method.annotations,
    },
    (args, extra) => callServed(ctx, tool, args as Record<string, unknown>, extra),
  );
}
