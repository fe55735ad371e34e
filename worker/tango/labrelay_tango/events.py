"""The events PUB socket (worker/events-publisher.ts): a heartbeat every second carrying the
boot id and catalog hash, and an immediate message when the methods change, each as two frames
[topic, JSON]. Only the socket thread sends on it (ZeroMQ sockets are not thread-safe). PUB
never blocks: a subscriber that cannot keep up loses messages at the high-water mark."""

import os

import zmq

from .json_text import dumps
from .log import iso_now

HEARTBEAT_TOPIC = b"$heartbeat"
CATALOG_TOPIC = b"$catalog"
HEARTBEAT_INTERVAL_S = 1.0


class Events:
    def __init__(self, socket, identity):
        self._socket = socket
        self._identity = identity  # () → {"boot_id", "catalog_hash"}

    def heartbeat(self):
        self._publish(
            HEARTBEAT_TOPIC,
            {"type": "heartbeat", **self._identity(), "pid": os.getpid(), "time": iso_now()},
        )

    def catalog_changed(self):
        self._publish(CATALOG_TOPIC, {"type": "catalog_changed", **self._identity()})

    def _publish(self, topic, event):
        try:
            self._socket.send_multipart([topic, dumps(event).encode("utf-8")], flags=zmq.NOBLOCK)
        except zmq.Again:
            pass
