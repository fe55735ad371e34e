import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import express, { type Request, type Response, type Router } from 'express';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { hostHeaderValidation } from '@modelcontextprotocol/sdk/server/middleware/hostHeaderValidation.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { isLoopbackHost, type Logger } from '../../protocol/index.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  defaultAllowedHosts,
  defaultAllowedOrigins,
  originCheck,
  staticTokenVerifier,
} from './access.js';
import { JsonUnlessStreamedTransport } from './json-unless-streamed.js';

/** Where and how to serve Streamable HTTP. */
export interface HttpOptions {
  host: string;
  port: number;
  path: string;
  /** Bearer token; required when `host` is not a loopback address. */
  token?: string;
  allowedHosts?: string[];
  allowedOrigins?: string[];
  /** Most sessions kept; beyond it the least recently used is closed. */
  maxSessions: number;
  log: Logger;
  newServer: () => { server: McpServer; cleanup: () => void };
  /** The supervisor console, served at `/` beside MCP with its own session (console-auth.ts). */
  console?: Router;
}

/** A running HTTP endpoint. */
export interface HttpEndpoint {
  url: string;
  close(): Promise<void>;
}

interface Session {
  transport: JsonUnlessStreamedTransport;
  close: () => Promise<void>;
  lastSeen: number;
}

/** Refused configurations are reported before anything listens. */
export class HttpConfigError extends Error {}

/** Serving MCP beyond this machine without a bearer token would hand the instruments to anyone. */
export function assertBindAllowed(host: string, token: string | undefined): void {
  if (!isLoopbackHost(host) && !token) {
    throw new HttpConfigError(
      `refusing to serve MCP on ${host}: any machine that can reach it could drive the ` +
        'instruments. Set a bearer token (--token or LABRELAY_TOKEN) or bind 127.0.0.1.',
    );
  }
}

/**
 * Serves MCP over Streamable HTTP with stateful sessions that never expire while idle (EAA's
 * client keeps one session for hours between LLM turns; a 404 would end its session). A reply
 * goes as plain JSON unless the call streamed something first (json-unless-streamed.ts). Every
 * request passes the Host check (DNS rebinding), the Origin check and, when a token is set, the
 * bearer check before its body is read.
 */
export async function serveHttp(options: HttpOptions): Promise<HttpEndpoint> {
  const { log } = options;
  assertBindAllowed(options.host, options.token);
  const hosts = options.allowedHosts ?? defaultAllowedHosts(options.host);
  const origins = options.allowedOrigins ?? defaultAllowedOrigins(hosts, options.port);
  const sessions = new Map<string, Session>();

  const app = express();
  app.disable('x-powered-by');
  app.use(hostHeaderValidation(hosts.map((h) => h.replace(/:\d+$/, ''))));
  app.use(originCheck(origins));
  if (options.console) app.use(options.console);
  if (options.token) app.use(requireBearerAuth({ verifier: staticTokenVerifier(options.token) }));
  app.use(express.json({ limit: '16mb' }));

  app.all(options.path, async (req: Request, res: Response) => {
    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const session = sessions.get(sessionId);
      if (!session) return rpcError(res, 404, -32001, 'Session not found');
      session.lastSeen = Date.now();
      return session.transport.handleNodeRequest(req, res, req.body);
    }
    if (req.method !== 'POST' || !isInitializeRequest(req.body)) {
      return rpcError(res, 400, -32000, 'Bad Request: no valid mcp-session-id header');
    }
    const { server, cleanup } = options.newServer();
    const transport: JsonUnlessStreamedTransport = new JsonUnlessStreamedTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, close: closeSession, lastSeen: Date.now() });
        evictBeyond(sessions, options.maxSessions, log);
        log.debug('mcp session opened', { session: id, sessions: sessions.size });
      },
      onsessionclosed: (id) => {
        sessions.delete(id);
        log.debug('mcp session closed', { session: id });
      },
    });
    const closeSession = async () => {
      cleanup();
      await server.close();
    };
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
      cleanup();
    };
    await server.connect(transport);
    await transport.handleNodeRequest(req, res, req.body);
  });
  app.use((_req: Request, res: Response) =>
    rpcError(res, 404, -32000, `Not found; MCP is at ${options.path}`),
  );

  const httpServer = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(options.port, options.host, (err?: Error) =>
      err ? reject(err) : resolve(s),
    );
  });
  // Long tool calls stream progress over one response; no socket timeout may cut them.
  httpServer.requestTimeout = 0;
  httpServer.headersTimeout = 60_000;
  const address = httpServer.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${shownHost}:${port}${options.path}`;
  log.info(`MCP over Streamable HTTP at ${url}`, { auth: options.token ? 'bearer' : 'none' });
  if (options.console) log.info(`supervisor console at http://${shownHost}:${port}/`);
  return {
    url,
    close: async () => {
      await Promise.all([...sessions.values()].map((s) => s.close().catch(() => {})));
      sessions.clear();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}

function evictBeyond(sessions: Map<string, Session>, max: number, log: Logger): void {
  while (sessions.size > max) {
    let oldest: [string, Session] | undefined;
    for (const entry of sessions)
      if (!oldest || entry[1].lastSeen < oldest[1].lastSeen) oldest = entry;
    if (!oldest) return;
    sessions.delete(oldest[0]);
    log.warn('closing the least recently used MCP session: too many sessions', {
      session: oldest[0],
      max,
    });
    void oldest[1].close().catch(() => {});
  }
}

function rpcError(res: Response, status: number, code: number, message: string): void {
  res.status(status).json({ jsonrpc: '2.0', error: { code, message }, id: null });
}
