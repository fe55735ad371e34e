"""ZeroMQ CURVE (RFC 26) for a bridge reachable from other machines, as protocol/curve.ts does
it for the TypeScript worker: without keys only loopback and ipc endpoints may be bound, since
an open socket would let anyone on the network drive the instruments. With keys both sockets
(requests and events) encrypt and authenticate; with authorized_clients a ZAP handler (RFC 27)
admits only those client keys."""

import re

import zmq
from zmq.utils import z85

#: The ZAP domain labrelay's workers authenticate under.
ZAP_DOMAIN = b"labrelay"
_Z85 = re.compile(r"^[0-9a-zA-Z.\-:+=^!/*?&<>()\[\]{}@%$#]{40}$")
_TCP = re.compile(r"^tcp://(.+):(\d+|\*)$")


def key_problem(key):
    """Why `key` is not a Z85 CURVE key, or None when it is one."""
    if not isinstance(key, str):
        return "must be a string of 40 Z85 characters"
    if len(key) != 40:
        return f"must be 40 characters of Z85 text; got {len(key)}"
    if not _Z85.match(key):
        return "must be Z85 text (letters, digits and .-:+=^!/*?&<>()[]{}@%$#)"
    return None


def is_loopback_endpoint(endpoint):
    """True when an endpoint only accepts connections from this machine (protocol/endpoints.ts)."""
    if endpoint.startswith("ipc://") or endpoint.startswith("inproc://"):
        return True
    match = _TCP.match(endpoint)
    if not match:
        return False
    host = match.group(1).strip("[]")
    return host in ("localhost", "::1") or re.match(r"^127\.\d+\.\d+\.\d+$", host) is not None


def refusal(endpoint):
    """Why binding `endpoint` without keys is refused, and what to do instead."""
    return (
        f"refusing to bind {endpoint} without CURVE keys: a worker reachable from other machines "
        "would let anyone on the network drive the instruments. Generate a key pair with "
        '`labrelay keys`, put it under tango.curve in the config ({"curve": {"public_key": '
        '…, "secret_key": …}} when the bridge runs alone), or bind tcp://127.0.0.1:PORT or '
        "ipc://PATH"
    )


def apply_server(socket, curve):
    """Makes a socket a CURVE server (before bind)."""
    socket.curve_server = True
    socket.curve_publickey = curve["public_key"].encode("ascii")
    socket.curve_secretkey = curve["secret_key"].encode("ascii")
    socket.zap_domain = ZAP_DOMAIN


class ZapHandler:
    """Admits only the listed client keys. libzmq asks it about every CURVE handshake on a socket
    with a ZAP domain, over inproc://zeromq.zap.01 in the same context; a refused client's
    handshake fails and it never gets a reply, which is all it should learn."""

    def __init__(self, context, authorized, log):
        self.allowed = set(authorized)
        self.log = log
        self.socket = context.socket(zmq.REP)
        self.socket.linger = 0
        self.socket.bind("inproc://zeromq.zap.01")

    def handle(self):
        frames = self.socket.recv_multipart()
        version, request_id, domain, address = (frames + [b""] * 4)[:4]
        mechanism = frames[5] if len(frames) > 5 else b""
        credentials = frames[6] if len(frames) > 6 else b""
        key = z85.encode(credentials).decode("ascii") if len(credentials) == 32 else ""
        ok = domain == ZAP_DOMAIN and mechanism == b"CURVE" and key in self.allowed
        if not ok:
            self.log.warn(
                "refused a CURVE client whose key is not authorized",
                address=address.decode("utf-8", "replace"),
                client_key=key,
            )
        self.socket.send_multipart(
            [
                version or b"1.0",
                request_id,
                b"200" if ok else b"400",
                b"OK" if ok else b"client key not authorized",
                key.encode() if ok else b"",
                b"",
            ]
        )

    def close(self):
        self.socket.close(0)
