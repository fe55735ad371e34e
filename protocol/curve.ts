import { isLoopbackEndpoint } from './endpoints.js';

/**
 * ZeroMQ CURVE (RFC 26, CurveZMQ): a worker reachable from other machines encrypts its sockets
 * and proves its identity with a long-term key pair; a client must know the worker's public key
 * in advance and brings its own key pair. Keys are Z85 text, 40 characters (32 bytes), as
 * `zmq_curve_keypair`, zeromq.js `curveKeyPair()`, pyzmq `zmq.curve_keypair()` and
 * `labrelay keys` produce them.
 */

/** The worker's side: its own key pair, and optionally the clients it lets in. */
export interface CurveServerKeys {
  publicKey: string;
  secretKey: string;
  /**
   * Client public keys allowed to connect; absent: any client that knows the server's public
   * key (the server key is then the shared secret, as in zguide ch. 5 "Ironhouse" without ZAP).
   */
  authorizedClients?: string[];
}

/** The client's side: the worker's public key and the client's own key pair. */
export interface CurveClientKeys {
  serverPublicKey: string;
  publicKey: string;
  secretKey: string;
}

/** The socket options CURVE needs, as zeromq.js names them. */
interface CurveSocket {
  curveServer: boolean;
  curvePublicKey: string | null;
  curveSecretKey: string | null;
  curveServerKey: string | null;
  zapDomain: string | null;
}

/** The Z85 alphabet (ZeroMQ RFC 32). */
const Z85 = /^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/;

/** Why `key` is not a Z85 CURVE key, or undefined when it is one. */
export function curveKeyProblem(key: string): string | undefined {
  if (key.length !== 40) return `must be 40 characters of Z85 text; got ${key.length}`;
  if (!Z85.test(key)) return 'must be Z85 text (letters, digits and .-:+=^!/*?&<>()[]{}@%$#)';
  return undefined;
}

/** The ZAP domain labrelay's workers authenticate under. */
export const ZAP_DOMAIN = 'labrelay';

/** Makes a bound socket a CURVE server (before bind). */
export function applyCurveServer(socket: CurveSocket, keys: CurveServerKeys): void {
  socket.curveServer = true;
  socket.curvePublicKey = keys.publicKey;
  socket.curveSecretKey = keys.secretKey;
  socket.zapDomain = ZAP_DOMAIN;
}

/** Makes a connecting socket a CURVE client of the worker whose public key is given (before connect). */
export function applyCurveClient(socket: CurveSocket, keys: CurveClientKeys): void {
  socket.curveServerKey = keys.serverPublicKey;
  socket.curvePublicKey = keys.publicKey;
  socket.curveSecretKey = keys.secretKey;
}

/**
 * Throws unless binding `endpoint` is safe: loopback and ipc endpoints always are; any other
 * address only with CURVE keys, since an open worker socket lets anyone on the network drive the
 * instruments.
 */
export function assertSecuredBind(endpoint: string, keys: CurveServerKeys | undefined): void {
  if (keys || isLoopbackEndpoint(endpoint)) return;
  throw new Error(
    `refusing to bind ${endpoint} without CURVE keys: a worker reachable from other machines ` +
      'would let anyone on the network drive the instruments. Generate a key pair with ' +
      '`labrelay keys`, put it under worker.curve in the config (and the public key under the ' +
      "frontend's workers[].server_public_key), or bind tcp://127.0.0.1:PORT or ipc://PATH",
  );
}
