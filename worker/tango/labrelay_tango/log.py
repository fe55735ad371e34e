"""Log lines to stderr in the launcher's format (launcher/log.ts), never to stdout: under the
launcher's stdio mode stdout may be the MCP wire."""

import json
import os
import sys
import threading
from datetime import datetime, timezone

LEVELS = {"debug": 10, "info": 20, "warn": 30, "error": 40}


def iso_now():
    """The current UTC time as JavaScript's Date.toISOString() writes it (milliseconds, Z)."""
    return iso_time(datetime.now(timezone.utc))


def iso_time(moment):
    """A UTC datetime as JavaScript's Date.toISOString() writes it (milliseconds, Z)."""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Logger:
    """`2026-11-24T10:00:00.000Z tango info message key=value`, one line per event."""

    def __init__(self, component="tango", level=None):
        self.component = component
        name = level or os.environ.get("LABRELAY_LOG_LEVEL", "info")
        self.threshold = LEVELS.get(name, LEVELS["info"])
        # Lane threads, the discovery thread and the socket thread all log.
        self._lock = threading.Lock()

    def _emit(self, level, message, fields):
        if LEVELS[level] < self.threshold:
            return
        line = f"{iso_now()} {self.component} {level} {message}"
        for key, value in (fields or {}).items():
            text = value if isinstance(value, str) else json.dumps(value, default=str)
            line += f" {key}={text}"
        with self._lock:
            sys.stderr.write(line + "\n")
            sys.stderr.flush()

    def debug(self, message, **fields):
        self._emit("debug", message, fields)

    def info(self, message, **fields):
        self._emit("info", message, fields)

    def warn(self, message, **fields):
        self._emit("warn", message, fields)

    def error(self, message, **fields):
        self._emit("error", message, fields)

    def raw(self, text):
        """A block of text as it is (the ready line, --verbose listings)."""
        with self._lock:
            sys.stderr.write(text if text.endswith("\n") else text + "\n")
            sys.stderr.flush()
