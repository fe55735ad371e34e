import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ApprovalRecord, Logger } from '../../protocol/index.js';
import type { ServedTool } from '../fleet/fleet.js';

/**
 * Asks the person behind an MCP client, through elicitation (form mode, MCP 2025-06-18 and
 * later), to decide on the approval a tool call waits for, and relays the answer to the worker
 * that holds the record. Elicitation is a window onto the record, not the record: accept runs
 * the write, decline or cancel denies it; a client that cannot ask (no capability, an error, a
 * timeout) leaves it pending for `labrelay approve` or the console. The model never sees the
 * question and cannot answer it: the client shows it to its user.
 */
export async function askApproval(o: {
  server: McpServer;
  tool: ServedTool;
  approval: ApprovalRecord;
  signal: AbortSignal;
  relatedRequestId: string | number;
  log: Logger;
}): Promise<void> {
  const { server, tool, approval } = o;
  if (!server.server.getClientCapabilities()?.elicitation || !tool.decide) return;
  const client = server.server.getClientVersion();
  const who = `${client?.name ?? 'mcp client'} user`;
  const left = Date.parse(approval.expires_at) - Date.now();
  if (left <= 0) return;
  let answer;
  try {
    answer = await server.server.elicitInput(
      {
        mode: 'form',
        message:
          `labrelay asks a person, not the model: approve this instrument write?\n\n` +
          `${approval.summary}\n\nApproval ${approval.id}, expires ${approval.expires_at}.`,
        requestedSchema: {
          type: 'object',
          properties: {
            approve: {
              type: 'boolean',
              title: 'Approve',
              description: `Run ${approval.method} on ${approval.device ?? 'the lab'} as shown`,
            },
          },
          required: ['approve'],
        },
      },
      { timeout: left, signal: o.signal, relatedRequestId: o.relatedRequestId },
    );
  } catch (err) {
    o.log.info('elicitation did not answer; the approval stays pending', {
      approval: approval.id,
      error: String(err),
    });
    return;
  }
  const approve = answer.action === 'accept' && answer.content?.approve === true;
  const reply = await tool.decide({
    id: approval.id,
    decision: approve ? 'approve' : 'deny',
    by: who,
    via: `elicitation (${answer.action})`,
  });
  if (reply.status === 'error') {
    // Decided elsewhere first (the CLI, the console), or expired: the call ends as that says.
    o.log.info('elicitation answer not applied', { approval: approval.id, error: reply.error });
  }
}
