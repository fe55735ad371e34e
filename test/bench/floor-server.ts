import { randomUUID } from 'node:crypto';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import express from 'express';
import { Request } from 'zeromq';
import * as z from 'zod';
import { serveHttp } from '../../frontend/http/serve-http.js';
import { serveStdio } from '../../frontend/stdio.js';
import { createLogger } from '../../launcher/log.js';

/**
 * The MCP floor: labrelay's own HTTP and stdio serving code and the same SDK, with a trivial
 * `health` tool. With a worker endpoint the tool makes one raw REQ round trip to it and nothing
 * else — the least any frontend of this architecture can do — so the difference between that
 * and labrelay is the frontend's own code. `sdk-json` serves with the SDK's own Streamable HTTP
 * transport in its JSON response mode instead — the SDK alone, the way it can answer a Python
 * client a result over 1 MiB (its SSE mode cannot).
 *
 *   node floor-server.js http|sdk-json PORT [WORKER]   |   node floor-server.js stdio [WORKER]
 */
const [mode, ...rest] = process.argv.slice(2);
const port = mode === 'stdio' ? 0 : Number(rest.shift());
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
} else if (mode === 'sdk-json') {
  await serveSdkJson();
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

/** The SDK's StreamableHTTPServerTransport with enableJsonResponse, one per session, as its docs. */
async function serveSdkJson(): Promise<void> {
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const app = express();
  app.use(express.json({ limit: '16mb' }));
  app.all('/mcp', async (req, res) => {
    const id = req.headers['mcp-session-id'];
    let transport = typeof id === 'string' ? transports.get(id) : undefined;
    if (!transport) {
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: true,
        onsessioninitialized: (sid) => void transports.set(sid, created),
      });
      await newServer().server.connect(created);
      transport = created;
    }
    await transport.handleRequest(req, res, req.body);
  });
  await new Promise<void>((resolve) => app.listen(port, '127.0.0.1', () => resolve()));
  process.stderr.write(`floor ready http://127.0.0.1:${port}/mcp\n`);
}
