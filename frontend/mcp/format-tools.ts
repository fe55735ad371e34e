import { toolSignature, type DescribeResult } from '../../protocol/index.js';

/** `--verbose`: the MCP tools registered from a describe, one signature per line. */
export function formatTools(d: Pick<DescribeResult, 'methods'>): string {
  const tools = d.methods.filter((m) => m.mcp);
  return [
    `MCP tools: ${tools.length}`,
    ...tools.map((m) => `  tool ${toolSignature(m.name, m.inputSchema, m.outputSchema)}`),
  ].join('\n');
}
