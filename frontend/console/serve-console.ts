import type { Server } from 'node:http';
import express, { type Router } from 'express';
import { hostHeaderValidation } from '@modelcontextprotocol/sdk/server/middleware/hostHeaderValidation.js';
import type { Logger } from '../../protocol/index.js';
import { assertBindAllowed, HttpConfigError } from '../http/serve-http.js';
import { defaultAllowedHosts, defaultAllowedOrigins, originCheck } from '../http/access.js';

/**
 * The console on its own port, for a frontend that speaks MCP over stdio (Claude Desktop's
 * labrelay has no HTTP port of its own). The same guards as /mcp: loopback only unless a token
 * is set, the Host check against DNS rebinding, the Origin check.
 */
export async function serveConsole(o: {
  host: string;
  port: number;
  token?: string;
  router: Router;
  log: Logger;
}): Promise<{ url: string; close(): Promise<void> }> {
  try {
    assertBindAllowed(o.host, o.token);
  } catch (err) {
    throw new HttpConfigError((err as Error).message.replace('serve MCP', 'serve the console'));
  }
  const hosts = defaultAllowedHosts(o.host);
  const app = express();
  app.disable('x-powered-by');
  app.use(hostHeaderValidation(hosts.map((h) => h.replace(/:\d+$/, ''))));
  app.use(originCheck(defaultAllowedOrigins(hosts, o.port)));
  app.use(o.router);
  app.use((_req, res) => void res.status(404).end());
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(o.port, o.host, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  server.requestTimeout = 0;
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  const url = `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}/`;
  o.log.info(`supervisor console at ${url}`);
  return {
    url,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
