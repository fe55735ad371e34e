"""Turns every request message into exactly one reply, as worker/dispatcher.ts does: decode,
answer retries from the reply cache, check params, queue the call on its device's lane, enforce
the queue timeout and the deadline, and write the audit line before the reply leaves.

Everything here runs on the socket thread except `_run`, which lane threads call. What the two
share — the ops, the timers and each op's state — changes only under one lock, and an op is
answered by whoever claims it first: its result, its deadline, BUSY, cancel or shutdown.
Replies made on a lane thread go back through a queue and a byte written to a pipe the socket
thread polls, since ZeroMQ sockets are not thread-safe.
"""

import heapq
import itertools
import os
import queue
import threading
import time

from . import core_methods
from .audit import record, refusal
from .calls import perform
from .envelope import BadEnvelope, decode_request, split_routing
from .errors import WireError
from .json_text import dumps, to_bytes
from .lanes import Lanes, Op
from .params import check_params
from .proxies import Proxies
from .reply_cache import ReplyCache, fingerprint

#: How long after the proxy timeout the bridge's own deadline answers TIMEOUT: Tango's own, more
#: specific, timeout error usually answers first; this catches what Tango does not bound (a
#: synchronous attribute read or write retries its connection after timing out).
DEADLINE_GRACE_S = 0.25


class Dispatcher:
    def __init__(self, *, cfg, log, audit, catalog, send, describe):
        self.cfg = cfg
        self.log = log
        self.audit = audit
        self.catalog = catalog
        self._send = send  # (routing prefix, reply bytes) → None, on the socket thread
        self._describe = describe  # catalog → describe result JSON text
        self.describe_json = None
        self.cache = ReplyCache()
        self.stats = {"requests": 0, "errors": {}}
        self.started = time.monotonic()
        self.inflight = {}  # id → (fingerprint, [routing prefixes waiting for the reply])
        self.lock = threading.Lock()
        self.ops = {}  # id → Op, accepted and not yet ended on the device
        self.timers = []  # heap of (when, seq, kind, op)
        self._seq = itertools.count()
        self.sleep_until = 0.0  # when the socket thread wakes by itself
        self.completions = queue.SimpleQueue()
        self.wake_fd, self._wake_w = os.pipe()
        os.set_blocking(self.wake_fd, False)
        self.proxies = Proxies(cfg["timeout_ms"])
        self.lanes = Lanes(self.lock, self._run, self._on_start, self._on_end)
        self.closing = False

    def wake(self):
        """Wakes the socket thread (from any thread, or a signal handler)."""
        os.write(self._wake_w, b"\0")

    # ---------------------------------------------------------------- requests

    def on_message(self, frames):
        self.stats["requests"] += 1
        prefix, payload = split_routing(frames)
        try:
            request_id, method, params = decode_request(payload)
        except BadEnvelope as err:
            return self.send_error(prefix, err.request_id, err)
        fp = fingerprint(method, params)
        cached = self.cache.get(request_id)
        pending = self.inflight.get(request_id)
        known = cached[0] if cached else pending[0] if pending else None
        if known is not None and known != fp:
            return self.send_error(
                prefix,
                request_id,
                WireError(
                    "BAD_ENVELOPE",
                    f"request id {request_id} was already used for a different request; use a "
                    "new id (a UUID) for every request and the same id only to retry it",
                ),
            )
        if cached:
            self.log.debug(
                "duplicate request id: answering from the first execution", id=request_id
            )
            return self._send(prefix, cached[1])
        if pending:
            # A retry while the first is still running waits for the same reply (Lazy Pirate).
            pending[1].append(prefix)
            return
        self.inflight[request_id] = (fp, [prefix])
        self._execute(request_id, method, params)

    def _execute(self, request_id, method, params):
        if method in core_methods.FIELDS:
            try:
                checked = check_params(method, core_methods.FIELDS[method], params)
                self._finish(request_id, _ok_text(request_id, self._core(method, checked)))
            except WireError as err:
                self._finish(request_id, _error_text(request_id, err), err.code)
            return
        tool = self.catalog.tools.get(method)
        if tool is None:
            return self._not_served(request_id, method, params)
        try:
            checked = check_params(method, tool.fields, params)
        except WireError as err:
            # Refused before anything reached the device, and the audit log says so.
            return self._refuse(request_id, method, params, None, err)
        device = checked["device"] if tool.several else tool.devices[0]
        resource = f"tango:{device}"
        if self.closing:
            return self._refuse(
                request_id,
                method,
                params,
                resource,
                WireError("UNAVAILABLE", "the worker is shutting down"),
            )
        args = checked[tool.argument] if tool.argument else None
        op = Op(request_id, method, params, tool, device, args, resource)
        queue_deadline = op.arrived + self.cfg["queue_timeout_ms"] / 1000
        with self.lock:
            self.ops[request_id] = op
            heapq.heappush(self.timers, (queue_deadline, next(self._seq), "queue", op))
        self.lanes.submit(op)

    def _not_served(self, request_id, method, params):
        reason = self.catalog.blocked_reason(method)
        if reason is not None:
            err = WireError(
                "BLOCKED", f"{method} is blocked by configuration and was not run: {reason}"
            )
            # An attempt at a blocked device command is worth a line in the audit log.
            self._write_audit(
                refusal(request_id=request_id, method=method, params=params, error=err)
            )
        else:
            err = WireError(
                "UNKNOWN_METHOD",
                f'unknown method "{method}"; this worker serves: {", ".join(self.catalog.names)}',
                {"method": method},
            )
        self._finish(request_id, _error_text(request_id, err), err.code)

    def _refuse(self, request_id, method, params, resource, err):
        self._write_audit(
            record(
                request_id=request_id,
                method=method,
                resource=resource,
                params=params,
                queued_ms=0,
                duration_ms=0,
                error=err,
            )
        )
        self._finish(request_id, _error_text(request_id, err), err.code)

    # ---------------------------------------------------------------- core methods

    def _core(self, method, checked):
        """The result JSON text of a core method."""
        if method == "describe":
            if self.describe_json is None:
                self.describe_json = self._describe(self.catalog)
            return self.describe_json
        if method == "health":
            return '{"status":"ok"}'
        if method == "cancel":
            return dumps(self._cancel(checked["id"]))
        if method == "worker_status":
            return dumps(self._status())
        return dumps(self.catalog.list_devices(checked.get("device_class")))

    def _status(self):
        now = time.monotonic()
        with self.lock:
            operations = [
                {
                    "id": op.id,
                    "method": op.method,
                    "resource": op.resource,
                    "state": "queued" if op.state == "queued" else "running",
                    "age_ms": round((now - op.arrived) * 1000),
                }
                for op in self.ops.values()
            ]
        return {
            "uptime_s": round(now - self.started, 1),
            "operations": operations,
            "requests": self.stats["requests"],
            "errors": dict(self.stats["errors"]),
            "audit_log": self.audit.path if self.audit else None,
        }

    def _cancel(self, request_id):
        with self.lock:
            op = self.ops.get(request_id)
            if op is not None and op.state == "queued" and not op.claimed:
                op.claimed = True
                self.lanes.remove(op)
                self.ops.pop(request_id, None)
            elif op is not None:
                # A Tango call cannot be interrupted once sent; it runs to its end.
                return {"id": request_id, "state": "running", "cancelled": False}
        if op is not None:
            err = WireError(
                "CANCELLED",
                f"{op.method} (request {request_id}) was cancelled before it started",
                {"id": request_id},
            )
            self._answer(op, err, queued_s=time.monotonic() - op.arrived, run_s=0)
            return {"id": request_id, "state": "queued", "cancelled": True}
        if self.cache.get(request_id):
            return {"id": request_id, "state": "finished", "cancelled": False}
        return {"id": request_id, "state": "unknown", "cancelled": False}

    # ---------------------------------------------------------------- device calls (lane threads)

    def _on_start(self, op):
        # Under the lock, on the lane thread.
        when = op.started + self.cfg["timeout_ms"] / 1000 + DEADLINE_GRACE_S
        heapq.heappush(self.timers, (when, next(self._seq), "run", op))
        if when < self.sleep_until:
            self.wake()

    def _on_end(self, op):
        self.ops.pop(op.id, None)

    def _run(self, op):
        """On the lane thread: the call, then the audit line and the reply (unless answered)."""
        result_json, error = perform(op, self.proxies, self.cfg["timeout_ms"], self.log)
        ended = time.monotonic()
        with self.lock:
            late = op.claimed
            op.claimed = True
        if late:
            # Already answered (TIMEOUT, shutdown): the device has finished at last.
            self.log.info(
                "a call answered earlier has ended on the device",
                id=op.id,
                method=op.method,
                outcome=error.code if error else "ok",
                ran_ms=round((ended - op.started) * 1000),
            )
            return
        self._answer(
            op,
            error,
            queued_s=op.started - op.arrived,
            run_s=ended - op.started,
            result_json=result_json,
        )

    def _answer(self, op, error, *, queued_s, run_s, result_json=None):
        """Audit line first, then the reply (handed to the socket thread unless already on it)."""
        self._write_audit(
            record(
                request_id=op.id,
                method=op.method,
                resource=op.resource,
                params=op.params,
                queued_ms=queued_s * 1000,
                duration_ms=run_s * 1000,
                error=error,
            ),
            result_json,
        )
        if error is None:
            text, code = _ok_text(op.id, result_json), None
        else:
            text, code = _error_text(op.id, error), error.code
        if threading.current_thread() is threading.main_thread():
            self._finish(op.id, text, code)
        else:
            self.completions.put(("reply", op.id, text, code))
            self.wake()

    # ---------------------------------------------------------------- timers

    def fire_timers(self, now):
        """Answers BUSY for calls queued too long and TIMEOUT for calls running too long."""
        expired = []
        with self.lock:
            while self.timers and self.timers[0][0] <= now:
                _, _, kind, op = heapq.heappop(self.timers)
                if op.claimed:
                    continue
                if kind == "queue" and op.state == "queued":
                    op.claimed = True
                    running, waiting = self.lanes.remove(op)
                    self.ops.pop(op.id, None)
                    holder = f"{running.method} {running.id}" if running else "nothing"
                    expired.append((op, "busy", holder, waiting))
                elif kind == "run" and op.state == "running":
                    op.claimed = True
                    expired.append((op, "timeout", None, 0))
        for op, kind, holder, waiting in expired:
            if kind == "busy":
                limit = self.cfg["queue_timeout_ms"]
                err = WireError(
                    "BUSY",
                    f"{op.resource} stayed busy for {limit} ms (running: {holder}; {waiting} "
                    "waiting); the operation was not started",
                    {"resource": op.resource, "queue_timeout_ms": limit},
                )
                self._answer(op, err, queued_s=now - op.arrived, run_s=0)
            else:
                limit = self.cfg["timeout_ms"]
                err = WireError(
                    "TIMEOUT",
                    f"{op.method} did not finish within its {limit} ms deadline; {op.resource} "
                    "stays reserved until it stops",
                    {"deadline_ms": limit, "outcome": "unknown"},
                )
                self._answer(op, err, queued_s=op.started - op.arrived, run_s=now - op.started)

    def next_timer(self, default):
        with self.lock:
            return self.timers[0][0] if self.timers else default

    def drain(self, install):
        """Sends the replies lane threads made; hands new catalogs to `install`."""
        try:
            while os.read(self.wake_fd, 4096):
                pass
        except BlockingIOError:
            pass
        while True:
            try:
                item = self.completions.get_nowait()
            except queue.Empty:
                return
            if item[0] == "reply":
                self._finish(item[1], item[2], item[3])
            else:
                install(item[1], item[2])

    def post_catalog(self, catalog, initial):
        """From the discovery thread: a catalog to install on the socket thread."""
        self.completions.put(("catalog", catalog, initial))
        self.wake()

    def install(self, catalog):
        """Serves a new catalog; True when its hash changed."""
        changed = catalog.hash != self.catalog.hash
        # Replaced even when the hash is the same: what is refused (BLOCKED) is not in the hash.
        self.catalog = catalog
        self.describe_json = None
        return changed

    # ---------------------------------------------------------------- shutdown

    def begin_shutdown(self, grace_s):
        """Stops taking device calls and answers the queued ones; returns the grace deadline."""
        self.closing = True
        with self.lock:
            queued = [op for op in self.ops.values() if op.state == "queued" and not op.claimed]
            for op in queued:
                op.claimed = True
                self.lanes.remove(op)
                self.ops.pop(op.id, None)
        now = time.monotonic()
        for op in queued:
            self._answer(
                op,
                WireError("UNAVAILABLE", "the worker is shutting down"),
                queued_s=now - op.arrived,
                run_s=0,
            )
        return now + grace_s

    def shutdown_done(self, now, deadline):
        """True once every running call is answered (UNAVAILABLE past the deadline)."""
        with self.lock:
            running = [op for op in self.ops.values() if not op.claimed]
            if running and now < deadline:
                return False
            for op in running:
                op.claimed = True
        for op in running:
            self.log.warn(
                "shutdown: a Tango call was still running after the grace period",
                id=op.id,
                method=op.method,
            )
            err = WireError(
                "UNAVAILABLE",
                f"the worker is shutting down and {op.method} was still running on {op.device}; "
                "its outcome is unknown",
                {"outcome": "unknown"},
            )
            self._answer(op, err, queued_s=op.started - op.arrived, run_s=now - op.started)
        return True

    # ---------------------------------------------------------------- replies

    def _finish(self, request_id, text, code=None):
        if code is not None:
            self.stats["errors"][code] = self.stats["errors"].get(code, 0) + 1
        entry = self.inflight.pop(request_id, None)
        if entry is None:
            return
        fp, prefixes = entry
        self.cache.set(request_id, fp, text)
        for prefix in prefixes:
            self._send(prefix, text)

    def send_error(self, prefix, request_id, err):
        """An error that is neither cached nor waited for: a bad envelope, a reused id, a defect."""
        self.stats["errors"][err.code] = self.stats["errors"].get(err.code, 0) + 1
        self._send(prefix, _error_text(request_id, err))

    def _write_audit(self, line, result_json=None):
        if not self.audit:
            return
        try:
            self.audit.write(line, result_json)
        except OSError as err:
            # A full disk must not take the instruments down with it, but it must be loud.
            self.log.error("audit log write failed", path=self.audit.path, error=str(err))


def _ok_text(request_id, result_json):
    return to_bytes(f'{{"id":{dumps(request_id)},"status":"ok","result":{result_json}}}')


def _error_text(request_id, err):
    return to_bytes(dumps(err.reply(request_id)))


def routing_prefix(frames):
    return split_routing(frames)[0]
