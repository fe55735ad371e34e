/**
 * The initialize request as EAA's Python client sends it (python-sdk 1.22 proposes 2025-06-18),
 * for tests that speak raw JSON-RPC instead of going through the TypeScript SDK.
 */
export const RAW_INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'raw', version: '1' },
  },
};
