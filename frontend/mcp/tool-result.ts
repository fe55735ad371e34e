import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { MCP_IMAGES_KEY, type ReplyEnvelope } from '../../protocol/index.js';

/** Above this much text the text block elides long strings (the structuredContent keeps them). */
const TEXT_LIMIT = 1 << 20;
/** Strings longer than this are elided from an oversized text block. */
const ELIDE_AT = 1024;

type Content = CallToolResult['content'][number];

/**
 * Turns a worker reply into an MCP tool result. A method whose result is always an object sends
 * it as structuredContent as it is; any other method's value is wrapped as {"result": value}, as
 * its output schema says (see outputSchemaFor). The same JSON goes as text for clients that read
 * only text — with strings over 1 KiB elided when the whole would exceed 1 MiB, because a
 * megabyte base64 payload copied into a text block would only double what every client parses.
 * Images a result carries under `mcp_images` become image content blocks. An error reply becomes
 * isError with a text that says what failed and why.
 */
export function toToolResult(method: string, reply: ReplyEnvelope, wrap: boolean): CallToolResult {
  if (reply.status === 'error') {
    return {
      isError: true,
      content: [{ type: 'text', text: `${method} failed: ${reply.error} [${reply.code}]` }],
    };
  }
  let result = reply.result;
  const images: Content[] = [];
  if (!wrap && isRecord(result) && Array.isArray(result[MCP_IMAGES_KEY])) {
    const { [MCP_IMAGES_KEY]: attached, ...rest } = result;
    for (const image of attached as Array<{ mime_type: string; data: string }>) {
      images.push({ type: 'image', mimeType: image.mime_type, data: image.data });
    }
    result = rest;
  }
  const structured = wrap ? { result } : (result as Record<string, unknown>);
  return {
    structuredContent: structured,
    content: [{ type: 'text', text: textOf(result) }, ...images],
  };
}

function textOf(value: unknown): string {
  if (stringBytes(value, 0) <= TEXT_LIMIT) return JSON.stringify(value);
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'string' && v.length > ELIDE_AT
      ? `<${v.length} characters: see structuredContent>`
      : v,
  );
}

/** Total length of the strings in a value, stopping early once over the limit. */
function stringBytes(value: unknown, sum: number): number {
  if (sum > TEXT_LIMIT) return sum;
  if (typeof value === 'string') return sum + value.length;
  if (Array.isArray(value)) return value.reduce((s: number, v) => stringBytes(v, s), sum);
  if (isRecord(value)) return Object.values(value).reduce((s: number, v) => stringBytes(v, s), sum);
  return sum;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
