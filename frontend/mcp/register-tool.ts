import type { McpServer, RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ServedTool } from '../fleet/fleet.js';
import { isObjectSchema, outputSchemaFor, passthroughSchema } from './json-schema-passthrough.js';
import { toToolResult } from './tool-result.js';
import { randomUUID } from 'node:crypto';
import { askApproval } from './ask-approval.js';
import type { CallLabels } from './call-labels.js';
import type { Logger } from '../../protocol/index.js';

/**
 * Registers one served method as an MCP tool: its schemas as the worker declared them, a call
 * forwarded as one request to the worker that serves it, progress relayed when the client sent a
 * progress token, and an MCP cancellation turned into a worker cancel (via the abort signal).
 */
export function registerTool(
  server: McpServer,
  tool: ServedTool,
  log: Logger,
  labels?: CallLabels,
): RegisteredTool {
  const { method } = tool;
  const wrap = !isObjectSchema(method.outputSchema);
  return server.registerTool(
    method.name,
    {
      title: method.title,
      description: method.description,
      inputSchema: passthroughSchema(method.inputSchema),
      outputSchema: passthroughSchema(outputSchemaFor(method.outputSchema)),
      annotations: method.annotations,
    },
    async (args, extra) => {
      const token = extra._meta?.progressToken;
      const asked = new Set<string>();
      // The worker request's id, chosen here, so the console can name the client behind it.
      const id = randomUUID();
      const client = server.server.getClientVersion()?.name ?? 'MCP client';
      labels?.set(
        id,
        extra.sessionId ? `${client} (session ${extra.sessionId.slice(0, 4)})` : client,
      );
      let last = -Infinity;
      const reply = await tool.call(args as Record<string, unknown>, {
        id,
        signal: extra.signal,
        onProgress:
          token === undefined && !server.server.getClientCapabilities()?.elicitation
            ? undefined
            : (event) => {
                if (event.approval?.status === 'pending' && !asked.has(event.approval.id)) {
                  asked.add(event.approval.id);
                  void askApproval({
                    server,
                    tool,
                    approval: event.approval,
                    signal: extra.signal,
                    relatedRequestId: extra.requestId,
                    log,
                  });
                }
                // MCP progress must increase: a handler's first step after the approval wait
                // (progress 0) may repeat the wait's own 0.
                if (token === undefined || event.progress <= last) return;
                last = event.progress;
                extra
                  .sendNotification({
                    method: 'notifications/progress',
                    params: {
                      progressToken: token,
                      progress: event.progress,
                      ...(event.total === undefined ? {} : { total: event.total }),
                      ...(event.message === undefined ? {} : { message: event.message }),
                    },
                  })
                  .catch(() => {});
              },
      });
      return toToolResult(method.name, reply, wrap);
    },
  );
}
