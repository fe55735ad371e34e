import type { DescribeResult, Logger } from '../protocol/index.js';
import { formatTools } from './mcp/format-tools.js';
import { assertBindAllowed, serveHttp, type HttpEndpoint } from './http/serve-http.js';
import { createServer } from './mcp/create-server.js';
import { serveStdio } from './stdio.js';
import { WorkerClient } from './worker-client/index.js';

/** Everything the frontend needs; the launcher builds it from the config file and flags. */
export interface FrontendOptions {
  version: string;
  worker: string;
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
  callSlackMs: number;
  idempotentRetries: number;
  maxSockets: number;
  /** Print the registered tool signatures to stderr at start and after every change. */
  verbose?: boolean;
  log: Logger;
}

/** A running frontend. */
export interface RunningFrontend {
  worker: WorkerClient;
  /** The HTTP URL, when serving HTTP. */
  url?: string;
  /** Resolves when the stdio client disconnected (never, for HTTP). */
  done: Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the MCP frontend: waits for the worker, reads its methods, and serves one MCP tool per
 * method over Streamable HTTP or stdio. It holds no instrument state of its own.
 */
export async function startFrontend(options: FrontendOptions): Promise<RunningFrontend> {
  const { log } = options;
  if (options.transport === 'http') assertBindAllowed(options.http.host, options.http.token);
  const worker = new WorkerClient({
    endpoint: options.worker,
    log,
    slackMs: options.callSlackMs,
    idempotentRetries: options.idempotentRetries,
    maxSockets: options.maxSockets,
  });
  const described = await worker.waitForWorker();
  log.info('worker found', {
    endpoint: options.worker,
    worker: described.worker.name,
    methods: described.methods.filter((m) => m.mcp).length,
  });
  // stderr, never stdout: with --stdio, stdout is the MCP wire.
  const printTools = (d: DescribeResult) =>
    options.verbose && process.stderr.write(formatTools(d) + '\n');
  printTools(described);
  worker.onCatalogChange((d) => {
    log.info('worker methods changed', { catalog_hash: d.catalog_hash });
    printTools(d);
  });
  const newServer = () => createServer({ worker, version: options.version });

  if (options.transport === 'stdio') {
    const { server } = newServer();
    const stdio = await serveStdio(server);
    log.info('MCP over stdio');
    return {
      worker,
      done: stdio.closed,
      close: async () => {
        await stdio.close();
        worker.close();
      },
    };
  }
  let endpoint: HttpEndpoint;
  try {
    endpoint = await serveHttp({ ...options.http, log, newServer });
  } catch (err) {
    worker.close();
    throw err;
  }
  return {
    worker,
    url: endpoint.url,
    done: new Promise<void>(() => {}),
    close: async () => {
      await endpoint.close();
      worker.close();
    },
  };
}
