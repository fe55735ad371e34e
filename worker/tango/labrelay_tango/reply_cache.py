"""Replies by request id, so a client's retry of a request (same id: Lazy Pirate, a pyzmq script
that resent) gets the first reply instead of running the operation twice — zguide ch. 4,
"detecting and rejecting duplicate requests". Same limits and eviction as worker/reply-cache.ts:
oldest first, since a retry comes soon after its request or not at all."""

import hashlib
from collections import OrderedDict

from .json_text import dumps

#: worker.reply_cache's defaults in the TypeScript worker.
DEFAULT_ENTRIES = 10_000
DEFAULT_BYTES = 64 * 1024 * 1024


class ReplyCache:
    def __init__(self, entries=DEFAULT_ENTRIES, max_bytes=DEFAULT_BYTES):
        self._entries = OrderedDict()  # id → (fingerprint, reply bytes)
        self._limit = entries
        self._max_bytes = max_bytes
        self._bytes = 0

    def get(self, request_id):
        """(fingerprint, reply) for an answered id, or None."""
        return self._entries.get(request_id)

    def set(self, request_id, fingerprint, reply):
        if len(reply) > self._max_bytes or self._limit == 0:
            return
        old = self._entries.pop(request_id, None)
        if old is not None:
            self._bytes -= len(old[1])
        self._entries[request_id] = (fingerprint, reply)
        self._bytes += len(reply)
        while len(self._entries) > self._limit or self._bytes > self._max_bytes:
            _, (_, evicted) = self._entries.popitem(last=False)
            self._bytes -= len(evicted)

    def __len__(self):
        return len(self._entries)


def fingerprint(method, params):
    """What a request asked for, so a reused id with different content is caught. Short requests
    are their own fingerprint; hashing them would cost more than comparing them."""
    text = f"{method}\0{dumps(params)}"
    if len(text) <= 256:
        return text
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()
