"""The audit log (worker/audit-log.ts): one JSON line per operation that reached — or was refused
at — a device, written with one write() before the reply leaves. The write reaches the kernel at
once, so a crash of the bridge loses nothing already answered.

The safety policy adds two kinds of line: every write gets an `outcome: "started"` line before
it reaches the device, and a write whose started line cannot be written is not made (fail
closed); and each approval asked for or decided (`approval_requested`, `approval_approved`, …,
with the whole record) and each stop, lock and resume is an event line {time, event, ...}."""

import os
import threading

from .json_text import dumps
from .log import iso_now

#: Results up to this size go into the log whole; larger ones are summarised by size.
INLINE_RESULT_CHARS = 4096


class AuditLog:
    def __init__(self, path):
        self.path = path
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        # Lane threads and the socket thread both write; one line must never split another.
        self._lock = threading.Lock()
        #: Told of every line once written: the events socket's $audit, a supervisor's live view.
        self.on_line = None

    def write(self, record, result_json=None, strict=False):
        """Appends one line; raises OSError when it cannot (and, with `strict`, when closed)."""
        line = dumps(record)
        if result_json is not None:
            if len(result_json) <= INLINE_RESULT_CHARS:
                tail = f',"result":{result_json}}}'
            else:
                tail = f',"result_bytes":{len(result_json.encode("utf-8", "surrogatepass"))}}}'
            line = line[:-1] + tail
        data = (line + "\n").encode("utf-8", "surrogatepass")
        with self._lock:
            if self._fd is not None:
                written = os.write(self._fd, data)
                if written != len(data):
                    raise OSError(f"wrote {written} of {len(data)} bytes")
            elif strict:
                raise OSError("the audit log is closed")
            else:
                return
        if self.on_line is not None:
            self.on_line(line)

    def event(self, event, **fields):
        """A safety event line; raises OSError when it cannot be written."""
        self.write({"time": iso_now(), "event": event, **fields}, strict=True)

    def close(self):
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
            self._fd = None


def record(*, request_id, method, resource, params, queued_ms, duration_ms, error=None):
    """An audit record with the TypeScript worker's fields, in its order."""
    out = {
        "time": iso_now(),
        "id": request_id,
        "method": method,
        "resource": resource,
        "params": params,
        "queued_ms": round(queued_ms, 3),
        "duration_ms": round(duration_ms, 3),
    }
    if error is None:
        out["outcome"] = "ok"
    else:
        out["outcome"] = "error"
        out["code"] = error.code
        out["error"] = error.message
    return out


def started(*, request_id, method, resource, params):
    """The line a write needs before it reaches the device (worker/safety/policy-gate.ts)."""
    return {
        "time": iso_now(),
        "id": request_id,
        "method": method,
        "resource": resource,
        "params": params,
        "outcome": "started",
        "queued_ms": 0,
        "duration_ms": 0,
    }


def refusal(*, request_id, method, params, error):
    """The line for a call refused by configuration (BLOCKED) before anything was queued."""
    return {
        "time": iso_now(),
        "id": request_id,
        "method": method,
        "resource": None,
        "params": params,
        "outcome": "error",
        "code": error.code,
        "error": error.message,
        "queued_ms": 0,
        "duration_ms": 0,
    }
