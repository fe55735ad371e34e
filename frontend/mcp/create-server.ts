import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { WorkerClient } from '../worker-client/index.js';
import { WorkerMirror } from './worker-mirror.js';

/** What a server needs. */
export interface ServerDeps {
  worker: WorkerClient;
  version: string;
}

const INSTRUCTIONS =
  'labrelay drives laboratory instruments through one worker process that owns them. ' +
  'Calls on one instrument run one at a time in arrival order; calls on different instruments run ' +
  'concurrently. Every parameter is validated before anything reaches hardware, and an error ' +
  'names the field, the value sent and what is allowed. Errors end with a code in brackets: ' +
  'TIMEOUT with "outcome unknown" means the call may have run — check the instrument state ' +
  'before repeating a call that changes it.';

/**
 * Builds one MCP server (one per client session) whose tools mirror the worker's methods and
 * follow them when they change. `cleanup` detaches it from the worker client.
 */
export function createServer(deps: ServerDeps): { server: McpServer; cleanup: () => void } {
  const server = new McpServer(
    { name: 'labrelay', version: deps.version },
    {
      capabilities: {
        tools: { listChanged: true },
        prompts: { listChanged: true },
        resources: { listChanged: true },
      },
      instructions: INSTRUCTIONS,
    },
  );
  const mirror = new WorkerMirror(server, deps.worker);
  if (deps.worker.described) mirror.sync(deps.worker.described);
  const unsubscribe = deps.worker.onCatalogChange((described) => mirror.sync(described));
  return { server, cleanup: unsubscribe };
}
