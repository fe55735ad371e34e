import type { Request, Response } from 'express';
import type { ConsoleEvent, ConsoleHub } from './console-hub.js';

/** Bytes a page may fall behind before it is cut off (it reconnects and gets a snapshot). */
const MAX_BEHIND_BYTES = 4 * 1024 * 1024;
/** Events are written in batches: one write per 50 ms, not one per operation. */
const FLUSH_MS = 50;
const KEEPALIVE_MS = 15_000;

/**
 * One page's server-sent event stream: a snapshot, then the hub's events. Fan-out is bounded —
 * a page that cannot keep up (its socket's buffer beyond 4 MB) is sent `reset` and cut off, and
 * reloads from a fresh snapshot (the audit log's history); it never backs up the hub, the
 * frontend or a worker.
 */
export function streamEvents(hub: ConsoleHub, req: Request, res: Response): void {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
    // Proxies that buffer (nginx) would hold the stream back.
    'X-Accel-Buffering': 'no',
  });
  let pending: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const flush = () => {
    timer = undefined;
    if (closed || pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    res.write(text);
  };
  const send = (event: ConsoleEvent) => {
    if (closed) return;
    if (res.writableLength > MAX_BEHIND_BYTES) {
      closed = true;
      res.end(frame({ name: 'reset' as never, data: { reason: 'the page fell behind' } }));
      unsubscribe();
      return;
    }
    pending.push(frame(event));
    timer ??= setTimeout(flush, FLUSH_MS);
  };
  res.write('retry: 1000\n\n');
  send(hub.snapshot());
  flush();
  const unsubscribe = hub.subscribe(send);
  const keepalive = setInterval(() => !closed && res.write(': keepalive\n\n'), KEEPALIVE_MS);
  req.on('close', () => {
    closed = true;
    clearTimeout(timer);
    clearInterval(keepalive);
    unsubscribe();
  });
}

function frame(event: ConsoleEvent): string {
  return `event: ${event.name}\ndata: ${JSON.stringify(event.data)}\n\n`;
}
