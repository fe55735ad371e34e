import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { isolatingFetch } from './isolating-fetch.js';
import { isPythonParameterName } from '../../protocol/index.js';
import { ENTRY } from './labrelay-process.js';

/** The SDK's own client over Streamable HTTP. */
export async function connectHttp(url: string, headers?: Record<string, string>): Promise<Client> {
  const client = new Client({ name: 'labrelay-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers },
      fetch: isolatingFetch,
    }),
  );
  return client;
}

/** The SDK's own client, spawning `labrelay ARGS` and speaking MCP on its stdin/stdout. */
export async function connectStdio(
  args: string[],
): Promise<{ client: Client; stderr: () => string }> {
  const client = new Client({ name: 'labrelay-test', version: '1.0.0' });
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [ENTRY, ...args],
    stderr: 'pipe',
    env: { ...process.env, LABRELAY_LOG_LEVEL: 'debug' } as Record<string, string>,
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  await client.connect(transport);
  return { client, stderr: () => stderr };
}

/**
 * `tool(argument)` for every listed argument a Python client cannot bind as a keyword (EAA's
 * MCPTool builds a signature from each tool's input properties); empty when all can.
 */
export function argumentsPythonCannotBind(
  tools: Array<{ name: string; inputSchema: { properties?: object } }>,
): string[] {
  return tools.flatMap((t) =>
    Object.keys(t.inputSchema.properties ?? {})
      .filter((name) => !isPythonParameterName(name))
      .map((name) => `${t.name}(${name})`),
  );
}

/** Whether the worker behind `client` is running an operation of `method` now (worker_status). */
export async function isRunning(client: Client, method: string): Promise<boolean> {
  const status = await client.callTool({ name: 'worker_status', arguments: {} });
  return (
    status.structuredContent as { operations: Array<{ method: string; state: string }> }
  ).operations.some((op) => op.method === method && op.state === 'running');
}
