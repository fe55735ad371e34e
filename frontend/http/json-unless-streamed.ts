import type { IncomingMessage, ServerResponse } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import { serializeWithSplices } from '../../protocol/index.js';
import {
  isJSONRPCErrorResponse,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';

const EVENT_END = new Uint8Array([10, 10]); // "\n\n"

/**
 * The SDK's Streamable HTTP transport, answering a request with one JSON body unless it has
 * something to stream first.
 *
 * The spec lets a server answer any POST either way (2025-06-18, "Sending Messages to the
 * Server": `text/event-stream` or `application/json`). The SDK picks once per transport: SSE,
 * or JSON with every notification of the request dropped (its progress included). Neither fits:
 * the Python MCP client caps one server-sent event at 1 MiB (`DEFAULT_MAX_SSE_EVENT_SIZE` in
 * mcp/client/streamable_http.py, with no setting in fastmcp), so an image payload can only
 * reach EAA as a JSON body, while a long scan's progress can only travel as SSE.
 *
 * So each response waits for its first message. When that is the request's own reply, it goes
 * as `application/json`, the same bytes the SSE event would have carried. When a notification
 * or a request of the server's comes first (progress, a log line, elicitation), the response
 * turns into the SDK's SSE stream from that event on, as it would have been anyway. A reply
 * that follows progress is therefore still one SSE event: tools whose results are data for a
 * program (buffer payloads) never report progress. Keep-alive comments are held back while
 * undecided: they would commit the response to SSE for nothing but an idle byte, and a silent
 * JSON request is what `enableJsonResponse` gives too.
 *
 * A reply bound for a JSON body is serialised here (SplicedJson: a 22 MB base64 string
 * is spliced in rather than run through JSON.stringify's escaping loop, which costs more than
 * the whole rest of the frontend), and the SDK is handed a stand-in reply with the same id so
 * that its own bookkeeping (stream mapping, request correlation) ends as it always does.
 */
export class JsonUnlessStreamedTransport extends WebStandardStreamableHTTPServerTransport {
  /** Requests whose response is not decided yet, with their serialised reply once it is sent. */
  private readonly undecided = new Map<RequestId, Uint8Array | null>();
  /** Requests that had a message other than their reply sent on their stream. */
  private readonly streamed = new Set<RequestId>();

  override async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if (isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) {
      const { id } = message;
      if (id !== undefined && this.undecided.get(id) === null && !this.streamed.has(id)) {
        this.undecided.set(id, serializeWithSplices(message));
        return super.send({ jsonrpc: '2.0', id, result: {} }, options);
      }
    } else if (options?.relatedRequestId !== undefined) {
      this.streamed.add(options.relatedRequestId);
    }
    return super.send(message, options);
  }

  /** Serves one Node request (GET, POST or DELETE), as the SDK's Node transport does. */
  async handleNodeRequest(
    req: IncomingMessage & { auth?: AuthInfo },
    res: ServerResponse,
    parsedBody: unknown,
  ): Promise<void> {
    const listener = getRequestListener(
      (request) => this.respond(request, { authInfo: req.auth, parsedBody }),
      // As the SDK's Node transport: leave the global Response alone.
      { overrideGlobalObjects: false },
    );
    await listener(req, res);
  }

  private async respond(
    request: Request,
    options: { authInfo?: AuthInfo; parsedBody: unknown },
  ): Promise<Response> {
    const ids = requestIds(options.parsedBody);
    // One request per POST is what clients send since 2025-06-18 removed batching; a batch, a
    // GET's standalone stream and every JSON or error answer go out as the SDK made them.
    const [id] = request.method === 'POST' && ids.length === 1 ? ids : [];
    if (id !== undefined) {
      this.streamed.delete(id);
      this.undecided.set(id, null);
    }
    try {
      const response = await this.handleRequest(request, options);
      if (
        id === undefined ||
        !response.body ||
        !response.headers.get('content-type')?.startsWith('text/event-stream')
      ) {
        return response;
      }
      // A kept reply means nothing was streamed before it (send() decides that), whatever a
      // late notification marks afterwards: the stand-in must never reach the client.
      return await firstMessageDecides(
        response,
        request.signal,
        () => this.undecided.get(id) ?? undefined,
      );
    } finally {
      if (id !== undefined) {
        this.undecided.delete(id);
        this.streamed.delete(id);
      }
    }
  }
}

/**
 * Reads the SSE body up to its first message event: the reply alone becomes a JSON response;
 * anything else becomes an SSE response that starts with what was read.
 */
async function firstMessageDecides(
  response: Response,
  signal: AbortSignal,
  reply: () => Uint8Array | undefined,
): Promise<Response> {
  const reader = response.body!.getReader();
  // A client that goes away while the call runs cancels the SDK's stream, as SSE would have.
  const cancel = () => void reader.cancel().catch(() => {});
  signal.addEventListener('abort', cancel, { once: true });
  try {
    let pending: Uint8Array = new Uint8Array(0);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return new Response(null, { status: 200, headers: response.headers });
      pending = concat(pending, value);
      let end: number;
      while ((end = indexOf(pending, EVENT_END)) >= 0) {
        const event = pending.subarray(0, end + EVENT_END.length);
        if (event[0] === 0x3a /* ":" comment: keep-alive */) {
          pending = pending.subarray(event.length);
          continue;
        }
        // The first message is the stand-in for the reply when send() kept the real one.
        const body = reply();
        if (body) {
          await reader.cancel().catch(() => {});
          return new Response(body, { status: 200, headers: jsonHeaders(response) });
        }
        return new Response(resumed(pending, reader), {
          status: response.status,
          headers: response.headers,
        });
      }
    }
  } finally {
    signal.removeEventListener('abort', cancel);
  }
}

/** An SSE body that replays what was read, then the rest of the SDK's stream. */
function resumed(
  head: Uint8Array,
  reader: ReadableStreamDefaultReader<Uint8Array>,
): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(head);
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

function jsonHeaders(sse: Response): Headers {
  const headers = new Headers({ 'content-type': 'application/json' });
  const session = sse.headers.get('mcp-session-id');
  if (session !== null) headers.set('mcp-session-id', session);
  return headers;
}

function requestIds(body: unknown): RequestId[] {
  const messages = Array.isArray(body) ? body : [body];
  return messages.filter((m) => isJSONRPCRequest(m)).map((m) => (m as { id: RequestId }).id);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  return Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength).indexOf(needle);
}
