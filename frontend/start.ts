import type { Logger } from '../protocol/index.js';
import { Fleet, type FleetCatalog } from './fleet/fleet.js';
import type { WorkerEntry } from './fleet/fleet-member.js';
import { formatTools } from './mcp/format-tools.js';
import { assertBindAllowed, serveHttp, type HttpEndpoint } from './http/serve-http.js';
import { createServer } from './mcp/create-server.js';
import { serveStdio } from './stdio.js';
import { ConsoleAuth } from './console/console-auth.js';
import { ConsoleHub } from './console/console-hub.js';
import { consoleRouter } from './console/console-routes.js';
import { serveConsole } from './console/serve-console.js';
import { CallLabels } from './mcp/call-labels.js';
import { ToolSelection } from './toolsets/toolsets.js';
import { CatalogView } from './toolsets/catalog-view.js';

/** Everything the frontend needs; the launcher builds it from the config file and flags. */
export interface FrontendOptions {
  version: string;
  /** The workers whose tools are served, in order (the first keeps a name two workers offer). */
  workers: WorkerEntry[];
  /** How long start-up waits for every worker before serving those that answered. */
  workerWaitMs?: number;
  /** Heartbeats missing this long mark a worker down. */
  livenessTimeoutMs?: number;
  transport: 'http' | 'stdio';
  http: {
    host: string;
    port: number;
    path: string;
    token?: string;
    allowedHosts?: string[];
    allowedOrigins?: string[];
    maxSessions: number;
  };
  /** Serve the supervisor console: beside /mcp, or alone on http.host:port with stdio. */
  console?: boolean;
  /** The toolsets listed (frontend.toolsets); default `default`. */
  toolsets?: string[];
  /** List no tool that writes. */
  readOnly?: boolean;
  /** List every tool's whole output schema. */
  fullOutputSchemas?: boolean;
  /** Largest message written over stdio (0: no limit); see frontend/stdio.ts. */
  stdioMaxMessageBytes?: number;
  callSlackMs: number;
  idempotentRetries: number;
  maxSockets: number;
  /** Print the registered tool signatures to stderr at start and after every change. */
  verbose?: boolean;
  log: Logger;
}

/** A running frontend. */
export interface RunningFrontend {
  fleet: Fleet;
  /** The HTTP URL, when serving HTTP. */
  url?: string;
  /** The supervisor console's URL, when served. */
  consoleUrl?: string;
  /** Resolves when the stdio client disconnected (never, for HTTP). */
  done: Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the MCP frontend: waits for the workers, reads their methods, and serves one MCP tool
 * per method over Streamable HTTP or stdio. It holds no instrument state of its own.
 */
export async function startFrontend(options: FrontendOptions): Promise<RunningFrontend> {
  const { log } = options;
  if (options.transport === 'http') assertBindAllowed(options.http.host, options.http.token);
  const fleet = new Fleet(options.workers, {
    log,
    callSlackMs: options.callSlackMs,
    idempotentRetries: options.idempotentRetries,
    maxSockets: options.maxSockets,
    livenessTimeoutMs: options.livenessTimeoutMs,
  });
  try {
    await fleet.start(options.workerWaitMs);
  } catch (err) {
    fleet.close();
    throw err;
  }
  for (const member of fleet.members) {
    const described = member.described;
    log.info(described ? 'worker found' : 'worker not answering yet', {
      worker: member.name,
      endpoint: member.entry.endpoint,
      ...(described ? { methods: described.methods.filter((m) => m.mcp).length } : {}),
    });
  }
  // stderr, never stdout: with --stdio, stdout is the MCP wire.
  const printTools = (catalog: FleetCatalog) =>
    options.verbose && process.stderr.write(formatTools(catalog) + '\n');
  printTools(fleet.catalog);
  fleet.onChange((catalog) => {
    log.info('served tools changed', {
      tools: catalog.tools.length,
      unavailable: catalog.unavailable.size,
    });
    printTools(catalog);
  });
  const labels = new CallLabels();
  const view = new CatalogView(
    fleet,
    new ToolSelection(options.toolsets ?? ['default'], options.readOnly ?? false),
  );
  const newServer = () =>
    createServer({
      fleet,
      version: options.version,
      log,
      labels,
      view,
      fullOutputSchemas: options.fullOutputSchemas ?? false,
    });
  let hub: ConsoleHub | undefined;
  if (options.console !== false) {
    hub = new ConsoleHub(fleet, labels, log);
    await hub.start();
  }
  const router = hub
    ? consoleRouter({ hub, auth: new ConsoleAuth(options.http.token), log })
    : undefined;
  const stop = () => {
    hub?.close();
    fleet.close();
  };

  if (options.transport === 'stdio') {
    // Claude Desktop's labrelay speaks MCP on stdio: its person still gets a console page.
    let console_: Awaited<ReturnType<typeof serveConsole>> | undefined;
    if (router) {
      try {
        console_ = await serveConsole({
          host: options.http.host,
          port: options.http.port,
          token: options.http.token,
          router,
          log,
        });
      } catch (err) {
        // The MCP client must still get its server: a console port in use is said, not fatal.
        log.error('the supervisor console could not start', { error: String(err) });
      }
    }
    const { server } = newServer();
    const stdio = await serveStdio(server, options.stdioMaxMessageBytes);
    log.info('MCP over stdio');
    return {
      fleet,
      consoleUrl: console_?.url,
      done: stdio.closed,
      close: async () => {
        await stdio.close();
        await console_?.close();
        stop();
      },
    };
  }
  let endpoint: HttpEndpoint;
  try {
    endpoint = await serveHttp({ ...options.http, log, newServer, console: router });
  } catch (err) {
    stop();
    throw err;
  }
  return {
    fleet,
    url: endpoint.url,
    consoleUrl: router ? new URL('/', endpoint.url).href : undefined,
    done: new Promise<void>(() => {}),
    close: async () => {
      await endpoint.close();
      stop();
    },
  };
}
