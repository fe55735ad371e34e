"""The bridge's sockets and its one socket thread (worker/router-server.ts, start.ts): a ROUTER for
requests, so health and cancel answer while a slow Tango call runs (REQ and DEALER clients talk
to a ROUTER unchanged, zguide ch. 3), a PUB for events, and the loop that polls both beside the
dispatcher's wake-up pipe, fires its timers, publishes heartbeats and shuts down on a signal.

    REQ    → ROUTER: [identity, "", request]    ROUTER → REQ:    [identity, "", reply]
    DEALER → ROUTER: [identity, request]        ROUTER → DEALER: [identity, reply]
"""

import os
import signal
import time
import traceback
import uuid

import zmq

from . import PROTOCOL
from .audit import AuditLog
from .blocking import BlockingRules
from .catalog import Catalog
from .curve import ZapHandler, apply_server, is_loopback_endpoint, refusal
from .discovery import Discovery
from .dispatcher import Dispatcher, routing_prefix
from .errors import internal
from .events import HEARTBEAT_INTERVAL_S, Events
from .json_text import dumps
from .log import iso_now
from .verbose import format_catalog

#: How long shutdown waits for running Tango calls to finish (the TypeScript worker's default).
SHUTDOWN_GRACE_S = 5.0
#: Most requests read in one go before timers get a turn.
BATCH = 256


class BindRefused(Exception):
    """A bind the bridge will not do (non-loopback without CURVE keys, a port in use); exit 2."""


class Server:
    def __init__(self, cfg, log, version):
        self.cfg = cfg
        self.log = log
        self.version = version
        self.boot_id = str(uuid.uuid4())
        self.started_at = iso_now()
        self.rules = BlockingRules(
            cfg["blocked_functions"], cfg["include_only"], cfg["blocked_classes"]
        )
        self.audit = AuditLog(cfg["audit_log"]) if cfg["audit_log"] else None
        self.dispatcher = Dispatcher(
            cfg=cfg,
            log=log,
            audit=self.audit,
            catalog=self._catalog({}),
            send=self._send,
            describe=self._describe,
        )
        self.parent = (
            int(os.environ["LABRELAY_PARENT_PID"])
            if os.environ.get("LABRELAY_PARENT_PID")
            else None
        )
        self.signals = 0
        self.stop_signal = None
        self.shutdown_deadline = None
        self.ready = False
        self.context = zmq.Context()
        self.router = self.pub = self.zap = self.events = None

    def bind(self):
        curve = self.cfg["curve"]
        for endpoint in (self.cfg["bind"], self.cfg["events_endpoint"]):
            if not curve and not is_loopback_endpoint(endpoint):
                raise BindRefused(refusal(endpoint))
        if curve and curve.get("authorized_clients"):
            self.zap = ZapHandler(self.context, curve["authorized_clients"], self.log)
        self.router = self.context.socket(zmq.ROUTER)
        # linger lets replies already queued at shutdown reach their clients.
        self.router.linger = 1000
        self.router.sndhwm = 100_000
        self.pub = self.context.socket(zmq.PUB)
        self.pub.linger = 0
        self.pub.sndhwm = 10_000
        if curve:
            apply_server(self.router, curve)
            apply_server(self.pub, curve)
        try:
            self.pub.bind(self.cfg["events_endpoint"])
            self.router.bind(self.cfg["bind"])
        except zmq.ZMQError as err:
            in_use = " (is another worker running?)" if err.errno == zmq.EADDRINUSE else ""
            raise BindRefused(
                f"cannot bind the bridge to {self.cfg['bind']} and {self.cfg['events_endpoint']}: "
                f"{err}{in_use}"
            ) from None
        self.events = Events(
            self.pub,
            lambda: {"boot_id": self.boot_id, "catalog_hash": self.dispatcher.catalog.hash},
        )
        self.dispatcher.events = self.events
        if self.audit:
            self.audit.on_line = self.events.audit_line
        self.events.heartbeat()

    def serve(self):
        """Runs until SIGTERM/SIGINT (or the launcher's death); returns after a clean close."""
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._on_signal)
        discovery = Discovery(
            proxies=self.dispatcher.proxies,
            devices=self.cfg["devices"],
            tango_host=self.cfg["tango_host"],
            rediscover_s=self.cfg["rediscover_s"],
            blocked_class=self.rules.class_blocked,
            log=self.log,
            # On the discovery thread: the catalog is built there and installed on this one.
            on_change=lambda interfaces, initial: self.dispatcher.post_catalog(
                self._catalog(interfaces), initial
            ),
        )
        # Devices are read after the sockets are up: health answers while a slow device takes
        # its time.
        discovery.start()
        poller = zmq.Poller()
        poller.register(self.router, zmq.POLLIN)
        poller.register(self.dispatcher.wake_fd, zmq.POLLIN)
        if self.zap:
            poller.register(self.zap.socket, zmq.POLLIN)
        next_heartbeat = time.monotonic() + HEARTBEAT_INTERVAL_S
        while True:
            now = time.monotonic()
            if self.stop_signal and self.shutdown_deadline is None:
                self.log.info("stopping", signal=self.stop_signal)
                self._begin_shutdown()
            if now >= next_heartbeat:
                self.events.heartbeat()
                next_heartbeat = now + HEARTBEAT_INTERVAL_S
                self._watch_parent()
            self.dispatcher.fire_timers(now)
            if self.shutdown_deadline is not None and self.dispatcher.shutdown_done(
                now, self.shutdown_deadline
            ):
                break
            wake_at = min(next_heartbeat, self.dispatcher.next_timer(next_heartbeat))
            if self.shutdown_deadline is not None:
                wake_at = min(wake_at, now + 0.05)
            self.dispatcher.sleep_until = wake_at
            ready = dict(poller.poll(max(0, int((wake_at - time.monotonic()) * 1000) + 1)))
            if self.router in ready:
                self._read_requests()
            self.dispatcher.drain(self._install)
            if self.zap and self.zap.socket in ready:
                try:
                    self.zap.handle()
                except Exception:
                    # A REP that failed mid-exchange cannot answer again: better loud than stuck.
                    self.log.error("ZAP handler failed", error=traceback.format_exc())
        discovery.stop()
        self._close()

    def _read_requests(self):
        for _ in range(BATCH):
            try:
                frames = self.router.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            try:
                self.dispatcher.on_message(frames)
            except Exception as err:
                # Reached only through a defect; the sender still gets its one reply.
                self.log.error("dispatch failed", error=traceback.format_exc())
                self.dispatcher.send_error(routing_prefix(frames), None, internal(err))

    def _send(self, prefix, text):
        try:
            self.router.send_multipart([*prefix, text], flags=zmq.NOBLOCK)
        except zmq.ZMQError as err:
            self.log.warn("could not send a reply", error=str(err))

    # ---------------------------------------------------------------- catalog

    def _catalog(self, interfaces):
        return Catalog(
            interfaces,
            rules=self.rules,
            attribute_tools=self.cfg["attribute_tools"],
            timeout_ms=self.cfg["timeout_ms"],
            log=self.log if interfaces else None,
        )

    def _install(self, catalog, initial):
        changed = self.dispatcher.install(catalog)
        if changed:
            self.events.catalog_changed()
            if not initial:
                self.log.info(
                    "device tools changed", methods=len(catalog.names), catalog_hash=catalog.hash
                )
        if self.cfg["verbose"] and (changed or initial):
            self.log.raw(format_catalog(catalog))
        if initial and not self.ready:
            self.ready = True
            self.log.info(
                "tango bridge ready",
                endpoint=self.cfg["bind"],
                events=self.cfg["events_endpoint"],
                devices=len(catalog.devices),
                methods=len(catalog.names),
                audit_log=self.audit.path if self.audit else None,
                curve=self._curve_text(),
                policy=self._policy_text(),
            )
            # Last: whoever waits for this line finds everything above it already written.
            self.log.raw(
                f"labrelay tango bridge ready: {len(catalog.tools)} tool(s) on {self.cfg['bind']}"
            )

    def _describe(self, catalog):
        """The describe result's JSON text (protocol/describe.ts DescribeResult)."""
        return dumps(
            {
                "protocol": PROTOCOL,
                "worker": {
                    "name": self.cfg["name"],
                    "version": self.version,
                    "pid": os.getpid(),
                    "boot_id": self.boot_id,
                    "started_at": self.started_at,
                },
                "catalog_hash": catalog.hash,
                "events_endpoint": self.cfg["events_endpoint"],
                "queue_timeout_ms": self.cfg["queue_timeout_ms"],
                # A write may wait this long for a person first; clients add it to its timeout.
                "approval_timeout_ms": self.cfg["policy"]["approval_timeout_s"] * 1000,
                "methods": catalog.methods,
                "prompts": [],
                "resources": [],
                "devices": catalog.devices,
                "device_classes": catalog.classes,
            }
        )

    def _policy_text(self):
        policy = self.cfg["policy"]
        return (
            f"writes {policy['writes']}, {len(policy['rules'])} rule(s), approvals wait "
            f"{policy['approval_timeout_s']} s"
        )

    def _curve_text(self):
        curve = self.cfg["curve"]
        if not curve:
            return "off"
        clients = curve.get("authorized_clients")
        return (
            f"on, {len(clients)} authorized client key(s)"
            if clients
            else "on, any client that knows the server key"
        )

    # ---------------------------------------------------------------- stopping

    def _on_signal(self, signum, _frame):
        # Runs between two bytecodes of the socket thread, perhaps inside a lock: it only notes
        # the signal, and the loop starts the shutdown.
        self.signals += 1
        if self.signals > 1:
            os._exit(1)  # a second signal forces
        self.stop_signal = signal.Signals(signum).name
        self.dispatcher.wake()

    def _watch_parent(self):
        if (
            self.parent is not None
            and os.getppid() != self.parent
            and self.shutdown_deadline is None
        ):
            self.log.warn(
                "the launcher that started this bridge is gone; stopping", parent=self.parent
            )
            self._begin_shutdown()

    def _begin_shutdown(self):
        """Stop taking device calls, answer the queued ones, give the running ones some grace."""
        self.shutdown_deadline = self.dispatcher.begin_shutdown(SHUTDOWN_GRACE_S)

    def _close(self):
        # Lane threads still in a Tango call publish nothing after this.
        self.events.close()
        self.router.close(linger=1000)
        self.pub.close(linger=0)
        if self.zap:
            self.zap.close()
        self.context.term()
        if self.audit:
            self.audit.close()
        self.log.info("tango bridge stopped")
