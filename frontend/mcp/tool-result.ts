import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { MCP_IMAGES_KEY, type ReplyEnvelope, type WriteSummary } from '../../protocol/index.js';

/** Above this much text the text block elides long strings (the structuredContent keeps them). */
const TEXT_LIMIT = 1 << 20;
/** Strings longer than this are elided from an oversized text block. */
const ELIDE_AT = 1024;

type Content = CallToolResult['content'][number];

/**
 * Turns a worker reply into an MCP tool result. A method whose result is always an object sends
 * it as structuredContent as it is; any other method's value is wrapped as {"result": value}, as
 * its output schema says (see outputSchemaFor). The same JSON goes as text for clients that read
 * only text, except the bytes of array and binary payloads: the text says what each holds
 * (dtype, shape, bytes) and the bytes travel once, in structuredContent (a 2048² image is 22 MB
 * of base64; a second copy would double what every client parses, and a model gains nothing
 * from reading it). Any other string over 1 KiB is elided too when the text would pass 1 MiB.
 * Images a result carries under `mcp_images` become image content blocks. An error reply
 * becomes isError with a text that says what failed and why.
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
  const write: Content[] = reply.write ? [{ type: 'text', text: writeText(reply.write) }] : [];
  return {
    structuredContent: structured,
    content: [{ type: 'text', text: textOf(result) }, ...write, ...images],
    ...(reply.write ? { _meta: { 'labrelay/write': reply.write } } : {}),
  };
}

/** What a governed write did, for the model and the person reading along. */
function writeText(write: WriteSummary): string {
  const parts = [`sent: ${write.sent.length ? write.sent.join(' | ') : '(no bus commands)'}`];
  if (Object.keys(write.applied).length) parts.push(`read back: ${JSON.stringify(write.applied)}`);
  if (write.approval) {
    parts.push(`approved: ${write.approval.id} by ${write.approval.by} via ${write.approval.via}`);
  }
  return parts.join('; ');
}

function textOf(value: unknown): string {
  const described = (_key: string, v: unknown) => (isPayload(v) ? describedPayload(v) : v);
  if (stringBytes(value, 0) <= TEXT_LIMIT) return JSON.stringify(value, described);
  return JSON.stringify(value, (key, v: unknown) => {
    const kept = described(key, v);
    return typeof kept === 'string' && kept.length > ELIDE_AT
      ? `<${kept.length} characters: see structuredContent>`
      : kept;
  });
}

/** An array (EAA's two forms) or binary (device results) payload: data for a program. */
type Payload =
  | { type: 'array'; dtype: string; shape: number[]; data: string }
  | { encoding: 'numpy_base64'; dtype: string; shape: number[]; data: string }
  | { encoding: 'base64'; payload: string };

function isPayload(v: unknown): v is Payload {
  if (!isRecord(v)) return false;
  if (v.type === 'array' || v.encoding === 'numpy_base64') {
    return typeof v.data === 'string' && typeof v.dtype === 'string' && Array.isArray(v.shape);
  }
  return v.encoding === 'base64' && typeof v.payload === 'string';
}

/** The payload with its base64 replaced by what it holds. */
function describedPayload(p: Payload): Record<string, unknown> {
  const key = 'payload' in p ? 'payload' : 'data';
  const base64 = (p as Record<string, string>)[key];
  const what = 'dtype' in p ? `${p.dtype} [${p.shape.join(', ')}], ` : '';
  return { ...p, [key]: `<${what}${decodedBytes(base64)} bytes: base64 in structuredContent>` };
}

function decodedBytes(base64: string): number {
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return (base64.length / 4) * 3 - padding;
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
