import type { McpServer, RegisteredTool } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { MethodDescription } from '../../protocol/index.js';
import type { WorkerClient } from '../worker-client/index.js';
import { isObjectSchema, outputSchemaFor, passthroughSchema } from './json-schema-passthrough.js';
import { toToolResult } from './tool-result.js';

/**
 * The MCP tools of one McpServer, kept equal to the worker's methods: one tool per method, same
 * name. When the worker's methods change, `sync` adds, replaces and removes tools, and the SDK
 * sends notifications/tools/list_changed for each change.
 */
export class ToolSet {
  private readonly tools = new Map<string, { tool: RegisteredTool; fingerprint: string }>();

  constructor(
    private readonly server: McpServer,
    private readonly worker: WorkerClient,
  ) {}

  sync(methods: MethodDescription[]): void {
    const wanted = new Map(methods.filter((m) => m.mcp).map((m) => [m.name, m]));
    for (const [name, entry] of this.tools) {
      if (!wanted.has(name)) {
        entry.tool.remove();
        this.tools.delete(name);
      }
    }
    for (const [name, method] of wanted) {
      const fingerprint = JSON.stringify(method);
      const existing = this.tools.get(name);
      if (existing?.fingerprint === fingerprint) continue;
      existing?.tool.remove();
      this.tools.set(name, { tool: this.register(method), fingerprint });
    }
  }

  private register(method: MethodDescription): RegisteredTool {
    const worker = this.worker;
    const wrap = !isObjectSchema(method.outputSchema);
    return this.server.registerTool(
      method.name,
      {
        title: method.title,
        description: method.description,
        inputSchema: passthroughSchema(method.inputSchema),
        outputSchema: passthroughSchema(outputSchemaFor(method.outputSchema)),
        annotations: method.annotations,
      },
      async (args, extra) => {
        const token = extra._meta?.progressToken;
        const reply = await worker.request(method.name, args as Record<string, unknown>, {
          signal: extra.signal,
          onProgress:
            token === undefined
              ? undefined
              : (event) => {
                  extra
                    .sendNotification({
                      method: 'notifications/progress',
                      params: {
                        progressToken: token,
                        progress: event.progress,
                        ...(event.total === undefined ? {} : { total: event.total }),
                        ...(event.message === undefined ? {} : { message: event.message }),
                      },
                    })
                    .catch(() => {});
                },
        });
        return toToolResult(method.name, reply, wrap);
      },
    );
  }
}
