import { randomUUID } from 'node:crypto';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type {
  CallToolResult,
  ServerNotification,
  ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../../protocol/index.js';
import type { ServedTool } from '../fleet/fleet.js';
import { askApproval } from './ask-approval.js';
import type { CallLabels } from './call-labels.js';
import { isObjectSchema } from './json-schema-passthrough.js';
import { toToolResult } from './tool-result.js';

export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** What every tool call goes through, however the tool was reached. */
export interface CallContext {
  server: McpServer;
  log: Logger;
  labels?: CallLabels;
}

/**
 * One call of a served tool, however the client reached it — listed, through `call_tool`, or by
 * name while outside the listed toolsets: one request to the worker that serves it (which
 * validates, applies the safety policy and audits), its progress relayed when the client sent a
 * progress token, an approval it waits for asked through elicitation when the client can, and an
 * MCP cancellation turned into a worker cancel (via the abort signal).
 */
export async function callServed(
  ctx: CallContext,
  tool: ServedTool,
  args: Record<string, unknown>,
  extra: ToolExtra,
): Promise<CallToolResult> {
  const { server, log } = ctx;
  const token = extra._meta?.progressToken;
  const asked = new Set<string>();
  // The worker request's id, chosen here, so the console can name the client behind it.
  const id = randomUUID();
  const client = server.server.getClientVersion()?.name ?? 'MCP client';
  ctx.labels?.set(id, extra.sessionId ? `${client} (session ${extra.sessionId.slice(0, 4)})` : client);
  let last = -Infinity;
  const reply = await tool.call(args, {
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
  return toToolResult(tool.method.name, reply, !isObjectSchema(tool.method.outputSchema));
}
