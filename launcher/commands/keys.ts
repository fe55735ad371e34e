import { curveKeyPair } from 'zeromq';

/**
 * `labrelay keys`: prints a fresh CURVE key pair (libzmq's zmq_curve_keypair, from libsodium's
 * random source) as YAML to paste under `curve:`, or as JSON. Where each key goes is said on
 * stderr so stdout stays pasteable.
 */
export function runKeys(flags: { json?: boolean }): number {
  const pair = curveKeyPair();
  if (flags.json) {
    process.stdout.write(
      JSON.stringify({ public_key: pair.publicKey, secret_key: pair.secretKey }) + '\n',
    );
    return 0;
  }
  // Z85 holds no quote or backslash, so a JSON string is also a valid YAML double-quoted one.
  process.stdout.write(
    `public_key: ${JSON.stringify(pair.publicKey)}\nsecret_key: ${JSON.stringify(pair.secretKey)}\n`,
  );
  process.stderr.write(
    'A worker: put both under worker.curve (or tango.curve), and give clients the public key ' +
      '(frontend.workers[].server_public_key).\nA client: put both under frontend.curve, and list ' +
      "the public key in the worker's curve.authorized_clients to admit only known clients.\n" +
      'Keep secret_key out of version control.\n',
  );
  return 0;
}
