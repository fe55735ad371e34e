import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ReplyEnvelope } from '../../protocol/index.js';

/**
 * Turns a worker reply into an MCP tool result. A method whose result is always an object sends
 * it as structuredContent as it is; any other method's value is wrapped as {"result": value}, as
 * its output schema says (see outputSchemaFor). The same JSON goes as text for clients that read
 * only text. An error reply becomes isError with a text that says what failed and why.
 */
export function toToolResult(method: string, reply: ReplyEnvelope, wrap: boolean): CallToolResult {
  if (reply.status === 'error') {
    return {
      isError: true,
      content: [{ type: 'text', text: `${method} failed: ${reply.error} [${reply.code}]` }],
    };
  }
  const { result } = reply;
  const structured = wrap ? { result } : (result as Record<string, unknown>);
  return {
    structuredContent: structured,
    content: [{ type: 'text', text: JSON.stringify(result) }],
  };
}
