import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';

/**
 * Serves one MCP session on stdin/stdout (Claude Desktop and other clients that spawn the
 * server). stdout then carries nothing but protocol; every log line goes to stderr.
 * Resolves when the client closes the connection.
 */
export async function serveStdio(
  server: McpServer,
): Promise<{ closed: Promise<void>; close: () => Promise<void> }> {
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    // The SDK's stdio transport does not notice a closed stdin by itself.
    process.stdin.once('end', () => void transport.close());
  });
  await server.connect(transport);
  return { closed, close: () => server.close() };
}
