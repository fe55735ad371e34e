"""The bridge's settings: one JSON object (the launcher writes it from the config file's `tango:`
section; a person may write it by hand), then the command-line flags over it. Every key is
checked, and a mistake — an unknown key, a wrong type, a value out of range — stops the bridge
with exit status 2 and a message naming the key, the value and what is allowed.

`policy` is the config file's `policy:` section (worker/safety/policy-config.ts), as the
launcher parsed it; without one the bridge runs an open policy (writes allowed, no rules). It
is checked as strictly as the launcher checks it, and a mistake names its key path
(`policy.rules[0].hard.max: must be a number`)."""

import os
import re

from .curve import key_problem
from .policy import PolicyError, validate_policy

DEFAULTS = {
    "name": "tango",
    "bind": "tcp://127.0.0.1:5580",
    "events_endpoint": None,
    "tango_host": None,
    "devices": [],
    "timeout_ms": 30_000,
    "queue_timeout_ms": 120_000,
    "rediscover_s": 10,
    "attribute_tools": False,
    "blocked_functions": [],
    "blocked_classes": [],
    "include_only": [],
    "data_dir": None,
    "audit_log": None,
    "curve": None,
    "policy": None,
    "verbose": False,
}

_ENDPOINT = re.compile(r"^(tcp://[^\s]+:(\d+|\*)|ipc://\S+|inproc://\S+)$")
_HOST_PORT = re.compile(r"^[^\s:]+:\d+$")
_DEVICE = re.compile(r"^(tango://[^\s/]+:\d+/)?[^\s/#]+/[^\s/#]+/[^\s/#]+(#dbase=(no|yes))?$")
_CURVE_KEYS = ("public_key", "secret_key", "authorized_clients")


class ConfigError(Exception):
    """A setting that cannot be used; the bridge exits with status 2."""


def _fail(key, value, allowed):
    raise ConfigError(f"{key} = {value!r}: {allowed}")


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _strings(key, value):
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        _fail(key, value, "must be a list of non-empty strings")
    return value


def validate(raw):
    """The settings with defaults filled in; raises ConfigError."""
    if not isinstance(raw, dict):
        raise ConfigError(f"the settings must be a JSON object; got {type(raw).__name__}")
    unknown = [k for k in raw if k not in DEFAULTS]
    if unknown:
        raise ConfigError(
            f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(repr(k) for k in unknown)}; "
            f"allowed: {', '.join(DEFAULTS)}"
        )
    cfg = {**DEFAULTS, **{k: v for k, v in raw.items()}}
    if not isinstance(cfg["name"], str) or not cfg["name"]:
        _fail("name", cfg["name"], "must be a non-empty string")
    for key in ("bind", "events_endpoint"):
        value = cfg[key]
        if value is None and key == "events_endpoint":
            continue
        if not isinstance(value, str) or not _ENDPOINT.match(value):
            _fail(key, value, "must be a ZeroMQ endpoint: tcp://HOST:PORT or ipc://PATH")
    if cfg["tango_host"] is not None and (
        not isinstance(cfg["tango_host"], str) or not _HOST_PORT.match(cfg["tango_host"])
    ):
        _fail("tango_host", cfg["tango_host"], "must be HOST:PORT")
    for entry in _strings("devices", cfg["devices"]):
        if not _DEVICE.match(entry):
            _fail(
                "devices",
                entry,
                "each must be domain/family/member or "
                "tango://HOST:PORT/domain/family/member#dbase=no",
            )
    for key, lo, hi in (("timeout_ms", 100, 3_600_000), ("queue_timeout_ms", 100, 86_400_000)):
        if not _is_int(cfg[key]) or not lo <= cfg[key] <= hi:
            _fail(key, cfg[key], f"must be an integer from {lo} to {hi} (milliseconds)")
    rediscover = cfg["rediscover_s"]
    if (
        isinstance(rediscover, bool)
        or not isinstance(rediscover, (int, float))
        or not 0 <= rediscover <= 3600
    ):
        _fail("rediscover_s", rediscover, "must be a number of seconds from 0 (never) to 3600")
    for key in ("attribute_tools", "verbose"):
        if not isinstance(cfg[key], bool):
            _fail(key, cfg[key], "must be true or false")
    functions = cfg["blocked_functions"]
    if isinstance(functions, dict):
        for cls, commands in functions.items():
            _strings(f"blocked_functions[{cls!r}]", commands)
    else:
        _strings("blocked_functions", functions)
    _strings("blocked_classes", cfg["blocked_classes"])
    _strings("include_only", cfg["include_only"])
    if cfg["data_dir"] is not None and (
        not isinstance(cfg["data_dir"], str) or not cfg["data_dir"]
    ):
        _fail("data_dir", cfg["data_dir"], "must be a directory path")
    audit = cfg["audit_log"]
    if audit is not None and audit is not False and (not isinstance(audit, str) or not audit):
        _fail("audit_log", audit, "must be a file path (relative to data_dir) or false")
    if cfg["curve"] is not None:
        _check_curve(cfg["curve"])
    try:
        cfg["policy"] = validate_policy(cfg["policy"])
    except PolicyError as err:
        raise ConfigError(str(err)) from None
    if not cfg["devices"] and not (cfg["tango_host"] or os.environ.get("TANGO_HOST")):
        raise ConfigError(
            "nothing to serve: list devices (tango://HOST:PORT/domain/family/member#dbase=no) or "
            "name a Tango database with tango_host (or TANGO_HOST)"
        )
    cfg["events_endpoint"] = cfg["events_endpoint"] or default_events_endpoint(cfg["bind"])
    cfg["data_dir"] = cfg["data_dir"] or default_data_dir()
    if audit is None:
        audit = "tango-audit.jsonl"
    cfg["audit_log"] = audit if audit is False else os.path.join(cfg["data_dir"], audit)
    return cfg


def _check_curve(curve):
    if not isinstance(curve, dict):
        _fail("curve", curve, "must be an object {public_key, secret_key[, authorized_clients]}")
    unknown = [k for k in curve if k not in _CURVE_KEYS]
    if unknown:
        raise ConfigError(f"unknown key curve.{unknown[0]}; allowed: {', '.join(_CURVE_KEYS)}")
    for key in ("public_key", "secret_key"):
        if key not in curve:
            raise ConfigError(f"curve.{key} is missing (a Z85 key, as `labrelay keys` prints it)")
        problem = key_problem(curve[key])
        if problem:
            raise ConfigError(f"curve.{key}: a CURVE key {problem}")
    clients = curve.get("authorized_clients")
    if clients is not None:
        if not isinstance(clients, list) or not clients:
            _fail("curve.authorized_clients", clients, "must be a non-empty list of Z85 keys")
        for key in clients:
            problem = key_problem(key)
            if problem:
                raise ConfigError(f"curve.authorized_clients: {key!r}: a CURVE key {problem}")


def default_events_endpoint(bind):
    """The next TCP port, or the ipc path with .events appended (protocol/endpoints.ts)."""
    match = re.match(r"^tcp://(.+):(\d+)$", bind)
    if match:
        return f"tcp://{match.group(1)}:{int(match.group(2)) + 1}"
    if bind.startswith("ipc://"):
        return f"{bind}.events"
    raise ConfigError(f"cannot derive an events endpoint from {bind}; set events_endpoint")


def default_data_dir():
    """$XDG_STATE_HOME/labrelay, else ~/.local/state/labrelay, as the launcher's default."""
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(
        os.path.expanduser("~"), ".local", "state"
    )
    return os.path.join(state, "labrelay")
