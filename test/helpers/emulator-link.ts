import type { Link } from '../../worker/gpib/links/link.js';
import type { Ar488Emulator } from '../../worker/sim/ar488/emulator.js';

/**
 * A Link wired straight to an in-process AR488 emulator: the real driver against the real
 * firmware model, without sockets, for fast transcript tests. Bytes still cross asynchronously.
 */
export class EmulatorLink implements Link {
  readonly description = 'emulator link';
  isOpen = false;
  private unsubscribe?: () => void;
  private data: (bytes: Buffer) => void = () => {};
  private closed: (reason: string) => void = () => {};

  constructor(private readonly emulator: Ar488Emulator) {}

  async open(): Promise<void> {
    this.isOpen = true;
    this.unsubscribe = this.emulator.onOutput((bytes) =>
      setImmediate(() => this.isOpen && this.data(Buffer.from(bytes))),
    );
    this.emulator.onLinkDrop(() => {
      if (!this.isOpen) return;
      this.isOpen = false;
      this.unsubscribe?.();
      this.closed('emulator dropped the link');
    });
    this.emulator.hostConnected();
  }

  async write(bytes: Buffer): Promise<void> {
    if (!this.isOpen) throw new Error('emulator link is closed');
    // Delivered at once, so `emulator.idle()` after a write really waits for that write.
    this.emulator.receive(Buffer.from(bytes));
  }

  async discardInput(): Promise<void> {}

  async close(): Promise<void> {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.unsubscribe?.();
    this.emulator.hostDisconnected();
  }

  onData(listener: (bytes: Buffer) => void): void {
    this.data = listener;
  }

  onClose(listener: (reason: string) => void): void {
    this.closed = listener;
  }
}
