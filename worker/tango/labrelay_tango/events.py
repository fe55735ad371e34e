"""The events PUB socket (worker/events-publisher.ts): a heartbeat every second carrying the
boot id and catalog hash, an immediate message when the methods change, progress of a write
that waits for a person, approvals asked for and decided, and the lab's state, each as two
frames [topic, JSON]:

    topic = request id   {type: "progress", id, progress, message, approval?}
    topic = request id   {type: "progress_end", id}   (after the last progress, before the reply)
    topic = "$heartbeat"  {type: "heartbeat", boot_id, catalog_hash, pid, time}
    topic = "$catalog"    {type: "catalog_changed", boot_id, catalog_hash}
    topic = "$approvals"  {type: "approval", approval}
    topic = "$lab"        {type: "lab_state", lab}
    topic = "$audit"      {type: "audit", record}   (every audit line, as written)

Lane threads publish too (an approval is asked for on the device's lane), so every send goes
through one lock: a ZeroMQ socket may be used by one thread at a time, with a memory barrier
between them, which the lock gives. PUB never blocks: a subscriber that cannot keep up loses
messages at the high-water mark."""

import os
import threading

import zmq

from .json_text import dumps
from .log import iso_now

HEARTBEAT_TOPIC = b"$heartbeat"
CATALOG_TOPIC = b"$catalog"
APPROVALS_TOPIC = b"$approvals"
LAB_TOPIC = b"$lab"
AUDIT_TOPIC = b"$audit"
HEARTBEAT_INTERVAL_S = 1.0


class Events:
    def __init__(self, socket, identity):
        self._socket = socket
        self._identity = identity  # () → {"boot_id", "catalog_hash"}
        self._lock = threading.Lock()

    def heartbeat(self):
        self._publish(
            HEARTBEAT_TOPIC,
            {"type": "heartbeat", **self._identity(), "pid": os.getpid(), "time": iso_now()},
        )

    def catalog_changed(self):
        self._publish(CATALOG_TOPIC, {"type": "catalog_changed", **self._identity()})

    def progress(self, request_id, progress, message, approval=None):
        event = {"type": "progress", "id": request_id, "progress": progress, "message": message}
        if approval is not None:
            event["approval"] = approval
        self._publish(request_id.encode("utf-8", "surrogatepass"), event)

    def progress_end(self, request_id):
        self._publish(
            request_id.encode("utf-8", "surrogatepass"), {"type": "progress_end", "id": request_id}
        )

    def approval(self, record):
        self._publish(APPROVALS_TOPIC, {"type": "approval", "approval": record})

    def lab_state(self, lab):
        self._publish(LAB_TOPIC, {"type": "lab_state", "lab": lab})

    def audit_line(self, line):
        """One audit line as written, spliced in as it is (not parsed and serialised again)."""
        self._send(AUDIT_TOPIC, ('{"type":"audit","record":' + line + "}").encode("utf-8", "surrogatepass"))

    def close(self):
        """No more sends; the socket may be closed after this returns."""
        with self._lock:
            self._socket = None

    def _publish(self, topic, event):
        self._send(topic, dumps(event).encode("utf-8", "surrogatepass"))

    def _send(self, topic, data):
        with self._lock:
            if self._socket is None:
                return
            try:
                self._socket.send_multipart([topic, data], flags=zmq.NOBLOCK)
            except zmq.ZMQError:
                # zmq.Again at the high-water mark; anything else is a socket being closed.
                pass
