import type { Link } from '../../worker/gpib/links/link.js';

/** One exchange of a transcript: a line the driver must send, and what the adapter answers. */
export interface Step {
  /** The line as sent, without its CR LF; escapes shown as \xNN (see printable()). */
  send: string | RegExp;
  /** Bytes the adapter answers with (none for most settings). */
  reply?: string | Buffer;
  /** Deliver the reply in pieces of this many bytes (a byte stream, AR488 issue #48). */
  fragment?: number;
  /** Wait before answering, ms. */
  delayMs?: number;
}

/**
 * A Link whose far end follows a script (binding-mock style, with real semantics: replies arrive
 * asynchronously, in fragments if asked). Lines the driver sends are matched in order against
 * the script; anything unexpected is recorded, so a test can assert the transcript was followed
 * exactly, with nothing left over.
 */
export class MockLink implements Link {
  readonly description = 'mock link';
  isOpen = false;
  readonly sent: string[] = [];
  readonly unexpected: string[] = [];
  readonly raw: Buffer[] = [];
  opens = 0;
  private pending = Buffer.alloc(0);
  private data: (bytes: Buffer) => void = () => {};
  private closed: (reason: string) => void = () => {};

  constructor(private readonly script: Step[] = []) {}

  /** Appends steps (for phases after connect). */
  expect(...steps: Step[]): void {
    this.script.push(...steps);
  }

  /** Steps not yet consumed. */
  get remaining(): Step[] {
    return this.script;
  }

  async open(): Promise<void> {
    this.isOpen = true;
    this.opens++;
  }

  async write(bytes: Buffer): Promise<void> {
    if (!this.isOpen) throw new Error('mock link is closed');
    this.raw.push(Buffer.from(bytes));
    this.pending = Buffer.concat([this.pending, bytes]);
    for (;;) {
      const end = this.pending.indexOf('\r\n');
      if (end < 0) break;
      const line = this.pending.subarray(0, end);
      this.pending = this.pending.subarray(end + 2);
      this.onLine(line);
    }
  }

  async discardInput(): Promise<void> {}

  async close(): Promise<void> {
    this.isOpen = false;
  }

  onData(listener: (bytes: Buffer) => void): void {
    this.data = listener;
  }

  onClose(listener: (reason: string) => void): void {
    this.closed = listener;
  }

  /** Bytes from the adapter that nobody asked for (boot chatter, a stale byte). */
  emit(bytes: string | Buffer): void {
    this.data(Buffer.from(bytes as string, typeof bytes === 'string' ? 'latin1' : undefined));
  }

  /** The adapter went away (cable pulled, ESP32 rebooted). */
  drop(): void {
    this.isOpen = false;
    this.closed('mock link dropped');
  }

  private onLine(line: Buffer): void {
    const text = printableLine(line);
    this.sent.push(text);
    const step = this.script[0];
    const matches =
      step && (typeof step.send === 'string' ? step.send === text : step.send.test(text));
    if (!matches) {
      this.unexpected.push(text);
      return;
    }
    this.script.shift();
    if (step.reply === undefined) return;
    const reply = Buffer.isBuffer(step.reply) ? step.reply : Buffer.from(step.reply, 'latin1');
    const size = step.fragment ?? reply.length;
    setTimeout(() => {
      for (let i = 0; i < reply.length; i += size) this.data(reply.subarray(i, i + size));
    }, step.delayMs ?? 0);
  }
}

function printableLine(bytes: Buffer): string {
  let s = '';
  for (const b of bytes)
    s +=
      b >= 0x20 && b < 0x7f && b !== 0x5c
        ? String.fromCharCode(b)
        : `\\x${b.toString(16).padStart(2, '0')}`;
  return s;
}
