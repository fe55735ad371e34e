import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { DescribeResult } from '../../protocol/index.js';
import type { WorkerClient } from '../worker-client/index.js';
import { registerPrompt } from './register-prompt.js';
import { registerResource } from './register-resource.js';
import { registerTool } from './register-tool.js';

interface Registered {
  remove(): void;
}

/**
 * Keeps one McpServer's tools, prompts and resources equal to what the worker describes: one
 * tool per method (same name), one prompt per workflow, one resource per document. On a change
 * it adds, replaces and removes entries, and the SDK sends the matching list_changed
 * notification for each.
 */
export class WorkerMirror {
  private readonly tools = new Map<string, { entry: Registered; fingerprint: string }>();
  private readonly prompts = new Map<string, { entry: Registered; fingerprint: string }>();
  private readonly resources = new Map<string, { entry: Registered; fingerprint: string }>();

  constructor(
    private readonly server: McpServer,
    private readonly worker: WorkerClient,
  ) {
    // The SDK declares the prompt and resource capabilities on first registration, and refuses
    // to after connecting; registering and removing a placeholder declares them up front, so a
    // worker that gains prompts after a restart can still publish them.
    registerPrompt(server, {
      name: '_',
      title: '',
      description: '',
      arguments: [],
      template: '',
    }).remove();
    registerResource(server, {
      uri: 'labrelay://_',
      name: '_',
      title: '',
      description: '',
      mimeType: 'text/plain',
      text: '',
    }).remove();
  }

  sync(described: Pick<DescribeResult, 'methods' | 'prompts' | 'resources'>): void {
    const visible = described.methods.filter((m) => m.mcp);
    reconcile(
      this.tools,
      visible,
      (m) => m.name,
      (m) => registerTool(this.server, this.worker, m),
    );
    reconcile(
      this.prompts,
      described.prompts,
      (p) => p.name,
      (p) => registerPrompt(this.server, p),
    );
    reconcile(
      this.resources,
      described.resources,
      (r) => r.uri,
      (r) => registerResource(this.server, r),
    );
  }
}

function reconcile<T>(
  registered: Map<string, { entry: Registered; fingerprint: string }>,
  wanted: T[],
  key: (item: T) => string,
  register: (item: T) => Registered,
): void {
  const byKey = new Map(wanted.map((item) => [key(item), item]));
  for (const [name, { entry }] of registered) {
    if (!byKey.has(name)) {
      entry.remove();
      registered.delete(name);
    }
  }
  for (const [name, item] of byKey) {
    const fingerprint = JSON.stringify(item);
    const existing = registered.get(name);
    if (existing?.fingerprint === fingerprint) continue;
    existing?.entry.remove();
    registered.set(name, { entry: register(item), fingerprint });
  }
}
