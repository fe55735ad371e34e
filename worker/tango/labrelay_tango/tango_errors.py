"""DevFailed as a wire error. Tango reports every failure as a stack of DevErrors (the original
cause first); which wire code it becomes decides what a client may do next:

- the proxy refused before contacting the device (reconnection throttled, name unknown):
  UNAVAILABLE, and the call was not sent;
- the server is not there (refused connection, broken connection): UNAVAILABLE with
  data.outcome "unknown" — Tango retries a broken call by reconnecting, so a server that died
  during the call looks the same as one that was already down;
- the call was sent and no answer came in time: TIMEOUT with data.outcome "unknown";
- anything the device itself raised: DEVICE_ERROR, with the whole stack in data.errors.
"""

from .errors import WireError

# Never sent: the proxy refused before contacting the device (Tango throttles reconnection
# attempts to one a second) or the name does not resolve.
_NOT_SENT_REASONS = {
    "API_CantConnectToDevice",
    "API_DeviceNotExported",
    "API_DeviceNotDefined",
    "API_CantConnectToDatabase",
    "DB_DeviceNotDefined",
}
# Sent, then no answer in time: the device may have acted on it.
_TIMEOUT_REASONS = {"API_DeviceTimedOut"}
_TIMEOUT_MARKS = ("TRANSIENT_CallTimedout", "TIMEOUT CORBA", "TIMEOUT_")
# The server is not there. Tango retries a broken call once by reconnecting, so a server that
# died during the call also ends here: whether it acted first is unknown.
_DOWN_REASONS = {"API_ServerNotRunning", "API_CorbaException", "API_CommunicationFailed"}
_DOWN_MARKS = ("TRANSIENT_", "COMM_FAILURE", "OBJECT_NOT_EXIST")


def _name(value):
    name = getattr(value, "name", None)
    return name if isinstance(name, str) else str(value).split(".")[-1]


def dev_errors(err):
    """The DevError stack as JSON: [{reason, desc, origin, severity}], the original cause first."""
    out = []
    for item in getattr(err, "args", ()):
        if hasattr(item, "reason"):
            out.append(
                {
                    "reason": str(item.reason),
                    "desc": str(item.desc),
                    "origin": str(item.origin),
                    "severity": _name(item.severity),
                }
            )
    return out


def _summary(errors):
    # Each reason once, in order, with its description on one line.
    seen, parts = set(), []
    for e in errors:
        key = (e["reason"], e["desc"])
        if key in seen:
            continue
        seen.add(key)
        parts.append(f"{e['reason']}: {' '.join(e['desc'].split())}")
    text = "; ".join(parts)
    return text if len(text) <= 600 else text[:597] + "..."


def from_dev_failed(err, *, device, what, timeout_ms):
    """The wire error for a DevFailed raised by `what` (e.g. 'command DevDouble') on `device`."""
    errors = dev_errors(err)
    reasons = {e["reason"] for e in errors}
    descs = " ".join(e["desc"] for e in errors)
    summary = _summary(errors) or str(err)
    data = {"device": device, "errors": errors}
    if reasons & _TIMEOUT_REASONS or any(mark in descs for mark in _TIMEOUT_MARKS):
        return WireError(
            "TIMEOUT",
            f"Tango device {device} did not answer {what} within {timeout_ms} ms; its outcome "
            f"is unknown ({summary})",
            {**data, "outcome": "unknown", "timeout_ms": timeout_ms},
        )
    if reasons & _NOT_SENT_REASONS and not reasons & _DOWN_REASONS:
        return WireError(
            "UNAVAILABLE",
            f"Tango device {device} cannot be reached, so {what} was not sent ({summary})",
            data,
        )
    if (
        reasons & (_DOWN_REASONS | _NOT_SENT_REASONS)
        or type(err).__name__ in ("CommunicationFailed", "ConnectionFailed")
        or any(mark in descs for mark in _DOWN_MARKS)
    ):
        return WireError(
            "UNAVAILABLE",
            f"Tango device {device} cannot be reached; whether {what} reached it first is "
            f"unknown ({summary})",
            {**data, "outcome": "unknown"},
        )
    return WireError("DEVICE_ERROR", f"Tango device {device} failed {what}: {summary}", data)
