import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { Request } from 'zeromq';
import * as z from 'zod';
import { serveHttp } from '../../frontend/http/serve-http.js';
import { serveStdio } from '../../frontend/stdio.js';
import { createLogger } from '../../launcher/log.js';

/**
 * The MCP floor: labrelay's own HTTP and stdio serving code and the same SDK, with a trivial
 * `health` tool. With a worker endpoint the tool makes one raw REQ round trip to it and nothing
 * else — the least any frontend of this architecture can do — so the difference between that
 * and labrelay is the frontend's own code.
 *
 *   node floor-server.js http PORT [WORKER]   |   node floor-server.js stdio [WORKER]
 */
const [mode, ...rest] = process.argv.slice(2);
const port = mode === 'http' ? Number(rest.shift()) : 0;
const workerEndpoint = rest[0];
const socket = workerEndpoint ? new Request({ linger: 0 }) : undefined;
socket?.connect(workerEndpoint!);

let calls = 0;
let raw = Buffer.alloc(0);
const health = async () => {
  if (socket) {
    await socket.send(`{"id":"floor-${calls++}","method":"health","params":{}}`);
    await socket.receive();
  }
  return {
    structuredContent: { status: 'ok' },
    content: [{ type: 'text' as const, text: '{"status":"ok"}' }],
  };
};
const newServer = () => {
  const server = new McpServer({ name: 'floor', version: '1' });
  server.registerTool(
    'health',
    {
      description: 'Trivial tool.',
      inputSchema: z.looseObject({}),
      outputSchema: z.looseObject({}),
    },
    health,
  );
  // An asynchronous tool, for operations that take a while: the server goes idle while it
  // waits, as a frontend does while the worker works, and waking up again has a cost.
  server.registerTool(
    'wait',
    {
      description: 'Wait ms milliseconds.',
      inputSchema: z.looseObject({}),
      outputSchema: z.looseObject({}),
    },
    async (args) => {
      await new Promise((r) => setTimeout(r, Number(args.ms) || 0));
      return {
        structuredContent: { status: 'ok' },
        content: [{ type: 'text' as const, text: '{"status":"ok"}' }],
      };
    },
  );
  // A large result: `bytes` raw bytes base64-encoded per call, as an array payload is, with a
  // short text block as labrelay's frontend gives for results over 1 MiB.
  server.registerTool(
    'payload',
    {
      description: 'Return `bytes` bytes as base64.',
      inputSchema: z.looseObject({}),
      outputSchema: z.looseObject({}),
    },
    async (args) => {
      const bytes = Number(args.bytes) || 0;
      if (raw.length !== bytes) raw = Buffer.alloc(bytes, 0x5a);
      const data = raw.toString('base64');
      return {
        structuredContent: { encoding: 'numpy_base64', dtype: 'uint8', shape: [bytes], data },
        content: [{ type: 'text' as const, text: `{"data":"(${data.length} characters)"}` }],
      };
    },
  );
  return { server, cleanup: () => {} };
};
if (mode === 'stdio') {
  await serveStdio(newServer().server);
} else {
  const log = createLogger('floor', 'warn');
  const endpoint = await serveHttp({
    host: '127.0.0.1',
    port,
    path: '/mcp',
    maxSessions: 16,
    log,
    newServer,
  });
  process.stderr.write(`floor ready ${endpoint.url}\n`);
}
// Exit normally on a signal so that `node --cpu-prof` writes its profile.
process.on('SIGINT', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
