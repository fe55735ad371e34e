import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'vitest';

/** A tool result with its structured content typed loosely, for assertions. */
export type ToolResult = CallToolResult & { structuredContent?: any };

/**
 * Calls tools as a model does, through an SDK client: `call` returns the raw result, `ok` the
 * structured content (failing the test with the tool's own message), `errorText` the error text
 * of a call that must fail. `client` is read at each call, so it may be connected later.
 */
export function toolCalls(client: () => Client) {
  const call = (name: string, args: Record<string, unknown> = {}) =>
    client().callTool({ name, arguments: args }) as Promise<ToolResult>;
  const ok = async (name: string, args: Record<string, unknown> = {}) => {
    const r = await call(name, args);
    // The frontend's error text names the tool already.
    if (r.isError) throw new Error((r.content[0] as { text: string }).text);
    return r.structuredContent;
  };
  const errorText = async (name: string, args: Record<string, unknown> = {}) => {
    const r = await call(name, args);
    expect(r.isError, `${name} should fail`).toBe(true);
    return (r.content[0] as { text: string }).text;
  };
  return { call, ok, errorText };
}
