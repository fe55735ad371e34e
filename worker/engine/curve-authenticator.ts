import { Reply } from 'zeromq';
import { ZAP_DOMAIN, type Logger } from '../../protocol/index.js';

const Z85_CHARS =
  '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';

/** Z85-encodes a binary key (ZeroMQ RFC 32), as ZAP hands CURVE keys over in binary. */
export function z85Encode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 4) {
    let value =
      ((bytes[i] << 24) | (bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3]) >>> 0;
    let chunk = '';
    for (let j = 0; j < 5; j++) {
      chunk = Z85_CHARS[value % 85] + chunk;
      value = Math.floor(value / 85);
    }
    out += chunk;
  }
  return out;
}

/**
 * A ZAP handler (ZeroMQ RFC 27) that admits only the listed CURVE client keys. libzmq asks it
 * about every CURVE handshake on a socket with a ZAP domain, over `inproc://zeromq.zap.01` in
 * the same context; a refused client's handshake fails and it never gets a reply, which is all a
 * client without the right key should learn.
 */
export class CurveAuthenticator {
  private readonly socket = new Reply({ linger: 0 });
  private readonly allowed: Set<string>;
  private loop?: Promise<void>;

  constructor(
    authorizedClients: string[],
    private readonly log: Logger,
  ) {
    this.allowed = new Set(authorizedClients);
  }

  async start(): Promise<void> {
    await this.socket.bind('inproc://zeromq.zap.01');
    this.loop = this.serve();
  }

  close(): void {
    this.socket.close();
  }

  private async serve(): Promise<void> {
    try {
      for await (const frames of this.socket) {
        const [version, requestId, domain, address, , mechanism, credentials] = frames;
        const key = credentials ? z85Encode(credentials) : '';
        const ok =
          domain?.toString() === ZAP_DOMAIN &&
          mechanism?.toString() === 'CURVE' &&
          this.allowed.has(key);
        if (!ok) {
          this.log.warn('refused a CURVE client whose key is not authorized', {
            address: address?.toString(),
            client_key: key,
          });
        }
        await this.socket.send([
          version ?? '1.0',
          requestId ?? '',
          ok ? '200' : '400',
          ok ? 'OK' : 'client key not authorized',
          ok ? key : '',
          '',
        ]);
      }
    } catch (err) {
      if (!this.socket.closed) this.log.error('ZAP handler ended', { error: String(err) });
    }
  }
}
