import type { McpServer, RegisteredResource } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ResourceSpec } from '../../protocol/index.js';

/** Registers a worker's reference document as a static MCP resource. */
export function registerResource(server: McpServer, resource: ResourceSpec): RegisteredResource {
  return server.registerResource(
    resource.name,
    resource.uri,
    { title: resource.title, description: resource.description, mimeType: resource.mimeType },
    async (uri) => ({
      contents: [{ uri: uri.href, mimeType: resource.mimeType, text: resource.text }],
    }),
  );
}
