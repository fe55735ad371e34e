import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { FleetCatalog } from '../fleet/fleet.js';
import type { Logger } from '../../protocol/index.js';
import { registerPrompt } from './register-prompt.js';
import { registerResource } from './register-resource.js';
import { registerTool } from './register-tool.js';
import type { CallLabels } from './call-labels.js';
import type { CatalogView } from '../toolsets/catalog-view.js';

interface Registered {
  remove(): void;
}

/**
 * Keeps one McpServer's tools, prompts and resources equal to what the workers serve: one tool
 * per method, one prompt per workflow, one resource per document. On a change it adds, replaces
 * and removes entries, and the SDK sends the matching list_changed notification for each.
 */
export class CatalogMirror {
  private readonly tools = new Map<string, { entry: Registered; fingerprint: string }>();
  private readonly prompts = new Map<string, { entry: Registered; fingerprint: string }>();
  private readonly resources = new Map<string, { entry: Registered; fingerprint: string }>();

  private warnedAbove = 0;

  constructor(
    private readonly server: McpServer,
    private readonly log: Logger,
    private readonly view: CatalogView,
    private readonly labels?: CallLabels,
    private readonly fullOutputSchemas = false,
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

  sync(catalog: FleetCatalog): void {
    const ctx = {
      server: this.server,
      log: this.log,
      labels: this.labels,
      fullOutputSchemas: this.fullOutputSchemas,
    };
    reconcile(
      this.tools,
      this.view.listed,
      (t) => t.method.name,
      (t) => [t.worker, t.method],
      (t) => registerTool(ctx, t),
    );
    const count = this.view.listed.length + 2;
    // VS Code's Copilot refuses more than 128 tools; models choose worse well before that.
    if (count > 128 && count !== this.warnedAbove) {
      this.warnedAbove = count;
      this.log.warn(
        `${count} tools are listed, more than the 128 some clients accept; choose fewer ` +
          'toolsets (frontend.toolsets, --toolsets): search_tools and call_tool reach the rest',
      );
    }
    reconcile(
      this.prompts,
      catalog.prompts,
      (p) => p.name,
      (p) => p,
      (p) => registerPrompt(this.server, p),
    );
    reconcile(
      this.resources,
      catalog.resources,
      (r) => r.uri,
      (r) => r,
      (r) => registerResource(this.server, r),
    );
  }
}

function reconcile<T>(
  registered: Map<string, { entry: Registered; fingerprint: string }>,
  wanted: T[],
  key: (item: T) => string,
  identity: (item: T) => unknown,
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
    const fingerprint = JSON.stringify(identity(item));
    const existing = registered.get(name);
    if (existing?.fingerprint === fingerprint) continue;
    existing?.entry.remove();
    registered.set(name, { entry: register(item), fingerprint });
  }
}
