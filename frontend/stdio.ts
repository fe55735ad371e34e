import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  isJSONRPCResultResponse,
  type JSONRPCMessage,
  type JSONRPCResultResponse,
} from '@modelcontextprotocol/sdk/types.js';
import { serializeWithSplices } from '../protocol/index.js';

/**
 * The default of the largest message written over stdio: the MCP TypeScript SDK's stdio client
 * buffers at most this much of one line (`STDIO_DEFAULT_MAX_BUFFER_SIZE`, 10 MiB); past it, it
 * throws the line away and its session ends with it. A 2048² float32 payload is 22 MB.
 */
export const STDIO_MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

/**
 * The SDK's stdio transport, writing each message its own way:
 * - serialised with SplicedJson (a base64 array payload is spliced in, not copied through
 *   JSON.stringify's escaping loop, and written as bytes part by part);
 * - each write resolves from its own callback once flushed, where the SDK adds a 'drain'
 *   listener per message (while a 22 MB reply waits on a slow reader, every message sent
 *   meanwhile added one more, and Node warns past ten);
 * - a reply over `maxBytes` becomes a tool error that says so, instead of a line the client
 *   would drop together with the session.
 */
class SplicingStdioTransport extends StdioServerTransport {
  constructor(private readonly maxBytes: number) {
    super();
  }

  override send(message: JSONRPCMessage): Promise<void> {
    // The newline counts too: the client buffers it with the line.
    let line = serializeWithSplices(message, '', '\n');
    if (this.maxBytes > 0 && isJSONRPCResultResponse(message) && line.length > this.maxBytes) {
      line = serializeWithSplices(tooLarge(message, line.length, this.maxBytes), '', '\n');
    }
    return new Promise((resolve) => {
      process.stdout.write(line, () => resolve());
    });
  }
}

function tooLarge(message: JSONRPCResultResponse, bytes: number, maxBytes: number): JSONRPCMessage {
  const text =
    `this result is ${mib(bytes)} MiB, over the ${mib(maxBytes)} MiB a message may have on stdio ` +
    "here (frontend.stdio_max_message_bytes; the MCP TypeScript SDK's stdio client drops a " +
    'longer line together with its session). Read arrays from their .npy files instead ' +
    '(dump_array, or the raw_data_path of acquire_image), use Streamable HTTP, which has no ' +
    'such limit, or raise the setting for a client without one (fastmcp has none).';
  // A tool call's result stays a tool result, so the model or the task manager sees why.
  if ('content' in message.result) {
    return { ...message, result: { content: [{ type: 'text', text }], isError: true } };
  }
  return { jsonrpc: '2.0', id: message.id, error: { code: -32603, message: text } };
}

function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}

/**
 * Serves one MCP session on stdin/stdout (Claude Desktop and other clients that spawn the
 * server). stdout then carries nothing but protocol; every log line goes to stderr.
 * Resolves when the client closes the connection.
 */
export async function serveStdio(
  server: McpServer,
  maxMessageBytes = STDIO_MAX_MESSAGE_BYTES,
): Promise<{ closed: Promise<void>; close: () => Promise<void> }> {
  const transport = new SplicingStdioTransport(maxMessageBytes);
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    // The SDK's stdio transport does not notice a closed stdin by itself.
    process.stdin.once('end', () => void transport.close());
  });
  await server.connect(transport);
  return { closed, close: () => server.close() };
}
