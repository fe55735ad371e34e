"""Finding the devices and reading their interfaces, as Asyncroscopy's MCP server does: with a
Tango database, every exported device except the admin devices (dserver/*); without one, the
devices the config lists. For each: its class (info().dev_class), its commands
(command_list_query) and its attributes (attribute_list_query_ex).

A device that cannot be read now is logged and tried again at the next rediscovery; one that
was read once keeps its tools even when it goes away later (calls to it then answer
UNAVAILABLE), so a server restart does not make tools flicker in and out of a model's view.
Probes run in parallel, so one hung device delays nobody. They use the proxy that will serve the
device's calls: PyTango 9.3 holds Python's GIL while a DeviceProxy is constructed, up to ~3 s for
a server that accepts connections but does not answer, so each device's proxy is made only once.
"""

import os
import queue
import re
import threading
import time
from dataclasses import dataclass, field

from .omni import omni_thread

_URL = re.compile(r"^tango://([^/\s]+)/([^/#\s]+/[^/#\s]+/[^/#\s]+)(#dbase=(no|yes))?$")

#: How long the first discovery waits for slow devices before serving what it has.
INITIAL_WAIT_S = 5.0
#: Threads probing devices (a facility database may export thousands).
PARALLEL_PROBES = 8


@dataclass(frozen=True)
class Target:
    """A device to try: its name (domain/family/member), its proxy's URL, where it came from."""

    name: str
    url: str
    origin: str


@dataclass
class CommandInfo:
    name: str
    in_type: int
    out_type: int
    in_desc: str
    out_desc: str


@dataclass
class AttributeInfo:
    name: str
    data_type: int
    data_format: str  # SCALAR, SPECTRUM, IMAGE
    writable: str  # READ, READ_WITH_WRITE, WRITE, READ_WRITE
    unit: str
    min_value: str
    max_value: str
    max_dim_x: int
    max_dim_y: int
    description: str
    enum_labels: list = field(default_factory=list)


@dataclass
class DeviceInterface:
    """What one device offers, as read when it was found."""

    target: Target
    dev_class: str
    info: dict
    commands: list
    attributes: list


def parse_target(entry, tango_host):
    """A config entry (tango://host:port/d/f/m#dbase=no, or d/f/m via the database) as a Target."""
    match = _URL.match(entry)
    if match:
        return Target(match.group(2), entry, f"tango:{match.group(1)}")
    host = tango_host or os.environ.get("TANGO_HOST")
    url = f"tango://{tango_host}/{entry}" if tango_host else entry
    return Target(entry, url, f"tango:{host}" if host else "tango")


def _enum_name(value):
    name = getattr(value, "name", None)
    return name if isinstance(name, str) else str(value).split(".")[-1]


def read_interface(proxy, target, blocked_class):
    """Reads the device's class, commands and attributes through its proxy (raises DevFailed)."""
    info = proxy.info()
    dev_class = str(info.dev_class)
    facts = {
        "url": target.url,
        "server_id": str(info.server_id),
        "server_host": str(info.server_host),
        "server_version": int(info.server_version),
        "doc_url": str(info.doc_url),
    }
    if blocked_class(dev_class):
        return DeviceInterface(target, dev_class, facts, [], [])
    commands = [
        CommandInfo(
            str(c.cmd_name),
            int(c.in_type),
            int(c.out_type),
            str(c.in_type_desc),
            str(c.out_type_desc),
        )
        for c in proxy.command_list_query()
    ]
    query = getattr(proxy, "attribute_list_query_ex", None) or proxy.attribute_list_query
    attributes = [
        AttributeInfo(
            name=str(a.name),
            data_type=int(a.data_type),
            data_format=_enum_name(a.data_format),
            writable=_enum_name(a.writable),
            unit=str(a.unit),
            min_value=str(a.min_value),
            max_value=str(a.max_value),
            max_dim_x=int(a.max_dim_x),
            max_dim_y=int(a.max_dim_y),
            description=str(a.description),
            enum_labels=[str(x) for x in (getattr(a, "enum_labels", None) or [])],
        )
        for a in query()
    ]
    return DeviceInterface(target, dev_class, facts, commands, attributes)


class Discovery:
    """Runs discovery on its own thread: once at start, then every `rediscover_s` seconds
    (0: never again), calling `on_change(interfaces)` whenever the set of devices read changes."""

    def __init__(
        self, *, proxies, devices, tango_host, rediscover_s, blocked_class, log, on_change
    ):
        self._proxies = proxies
        self._targets = [parse_target(d, tango_host) for d in devices]
        self._tango_host = tango_host
        self._rediscover_s = rediscover_s
        self._blocked_class = blocked_class
        self._log = log
        self._on_change = on_change
        self._known = {}  # name → DeviceInterface
        self._failures = {}  # name → last failure text, to log each new failure once
        self._pending = set()  # names queued or being probed
        self._dirty = False
        self._lock = threading.Lock()
        self._settled = threading.Condition(self._lock)  # notified as probes end
        self._wake = threading.Event()
        self._stopped = False
        self._probes = queue.SimpleQueue()
        self._database = None

    def start(self):
        for i in range(PARALLEL_PROBES):
            threading.Thread(target=self._prober, name=f"tango-probe-{i}", daemon=True).start()
        threading.Thread(target=self._loop, name="tango-discovery", daemon=True).start()

    def stop(self):
        self._stopped = True
        self._wake.set()

    def _loop(self):
        try:
            self._round()
            with self._settled:
                self._settled.wait_for(lambda: not self._pending, timeout=INITIAL_WAIT_S)
            self._publish(initial=True)
            next_round = time.monotonic() + self._rediscover_s
            while not self._stopped:
                timeout = (
                    max(0.0, next_round - time.monotonic()) if self._rediscover_s > 0 else None
                )
                self._wake.wait(timeout)
                self._wake.clear()
                if self._stopped:
                    return
                if self._dirty:
                    self._publish(initial=False)
                if self._rediscover_s > 0 and time.monotonic() >= next_round:
                    self._round()
                    next_round = time.monotonic() + self._rediscover_s
        except Exception as err:  # a defect here must not pass silently
            self._log.error("discovery stopped", error=repr(err))

    def _candidates(self):
        if self._targets:
            return self._targets
        import tango

        if self._database is None:
            if self._tango_host:
                host, port = self._tango_host.rsplit(":", 1)
                self._database = tango.Database(host, int(port))
            else:
                self._database = tango.Database()
        try:
            names = self._database.get_device_exported("*").value_string
        except Exception:
            self._database = None  # made again next round
            raise
        origin = f"tango:{self._tango_host or os.environ.get('TANGO_HOST', 'database')}"
        return [
            Target(name, f"tango://{self._tango_host}/{name}" if self._tango_host else name, origin)
            for name in names
            if not name.lower().startswith("dserver/")
        ]

    def _round(self):
        try:
            candidates = self._candidates()
        except Exception as err:
            self._note_failure("$database", f"cannot list the exported devices: {_brief(err)}")
            return []
        with self._lock:
            # Forgotten once the database answers, so that a later outage is reported again.
            database_back = self._failures.pop("$database", None) is not None
        if database_back:
            self._log.info(
                "Tango database reachable again",
                tango_host=self._tango_host or os.environ.get("TANGO_HOST"),
            )
        with self._lock:
            for target in candidates:
                if target.name in self._known or target.name in self._pending:
                    continue
                self._pending.add(target.name)
                self._probes.put(target)

    def _prober(self):
        with omni_thread():  # for the thread's whole life, as PyTango asks
            while True:
                self._probe(self._probes.get())

    def _probe(self, target):
        try:
            proxy = self._proxies.get(target.name, target.url)
            interface = read_interface(proxy, target, self._blocked_class)
        except Exception as err:
            with self._lock:
                self._pending.discard(target.name)
                self._settled.notify_all()
            self._note_failure(target.name, f"cannot read {target.url}: {_brief(err)}")
            return
        with self._lock:
            self._pending.discard(target.name)
            self._settled.notify_all()
            self._known[target.name] = interface
            self._dirty = True
            recovered = self._failures.pop(target.name, None) is not None
        if recovered:
            self._log.info("Tango device found", device=target.name, dev_class=interface.dev_class)
        self._wake.set()

    def _note_failure(self, name, text):
        with self._lock:
            first = self._failures.get(name) != text
            self._failures[name] = text
        # Logged when it first fails (or fails differently), then quietly retried.
        if first:
            self._log.warn(f"skipping {name}: {text}; retrying at the next rediscovery")
        else:
            self._log.debug(f"still skipping {name}: {text}")

    def _publish(self, initial):
        with self._lock:
            self._dirty = False
            snapshot = dict(self._known)
        self._on_change(snapshot, initial)


def _brief(err):
    from .tango_errors import dev_errors

    errors = dev_errors(err)
    if errors:
        return "; ".join(f"{e['reason']}: {' '.join(e['desc'].split())}" for e in errors)[:400]
    return f"{type(err).__name__}: {err}"
