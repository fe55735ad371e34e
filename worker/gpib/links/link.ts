/**
 * A byte link to one adapter: a serial port or a TCP connection. Both are byte streams — a reply
 * may arrive one byte at a time (AR488 writes GPIB data byte by byte, issue #48) — so a link
 * never frames anything; the bridge session does.
 *
 * Contract:
 * - `open()` resolves when bytes can flow, or rejects with a ConnectionError naming the port or
 *   host and why (missing, busy, refused, timed out).
 * - `write()` resolves when the bytes were handed to the OS; writes never overlap (the session
 *   sends one line at a time).
 * - Data arrives through the listener given to `onData`, in whatever fragments the OS delivers.
 * - `onClose` fires once per open when the link ends without `close()` being called (cable
 *   pulled, adapter rebooted, Wi-Fi dropped); the session then reconnects.
 */
export interface Link {
  /** "tcp 192.168.1.50:23" or "serial /dev/ttyUSB0 @115200", for messages. */
  readonly description: string;
  readonly isOpen: boolean;
  open(): Promise<void>;
  write(bytes: Buffer): Promise<void>;
  /** Discards bytes the OS holds but the session has not read (serial: tcflush). */
  discardInput(): Promise<void>;
  close(): Promise<void>;
  onData(listener: (bytes: Buffer) => void): void;
  onClose(listener: (reason: string) => void): void;
}
