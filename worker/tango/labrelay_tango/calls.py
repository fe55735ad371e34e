"""One device call, on its lane thread: the Tango call (a command, an attribute read, or a write
that reads the value back), its result as JSON, and any failure as a wire error. Nothing here
touches the sockets; the server writes the audit line and sends the reply."""

import traceback

from .errors import WireError, internal
from .json_text import dumps, find_non_json
from .proxies import run_command
from .tango_errors import from_dev_failed


def perform(op, proxies, timeout_ms, log):
    """(result JSON text, None) or (None, WireError). Never raises."""
    try:
        return _encode(op.method, _call(op, proxies, log)), None
    except WireError as err:
        return None, err
    except Exception as err:
        import tango

        if isinstance(err, tango.DevFailed):
            return None, from_dev_failed(
                err, device=op.device, what=op.tool.what(), timeout_ms=timeout_ms
            )
        log.error(
            f"{op.method} failed with an unexpected error", id=op.id, error=traceback.format_exc()
        )
        return None, internal(err)


def _call(op, proxies, log):
    tool = op.tool
    proxy = proxies.get(op.device, tool.urls[op.device])
    if tool.kind == "command":
        return tool.result_type.to_json(run_command(proxy, tool, op.args))
    if tool.kind == "set":
        proxy.write_attribute(tool.member, op.args)
        try:
            return _read(proxy, tool)
        except Exception as err:
            # Written, but not read back: say what was written rather than fail the write.
            log.warn(
                "wrote an attribute but could not read it back",
                device=op.device,
                attribute=tool.member,
                error=" ".join(str(err).split())[:300],
            )
            return {"value": op.params.get("value"), "units": tool.units, "quality": None}
    return _read(proxy, tool)


def _read(proxy, tool):
    reading = proxy.read_attribute(tool.member)
    value = reading.value
    return {
        # Tango gives no value when the attribute's quality is INVALID.
        "value": None if value is None else tool.result_type.to_json(value),
        "units": tool.units,
        "quality": _quality(reading.quality),
    }


def _quality(quality):
    name = getattr(quality, "name", None) or str(quality).split(".")[-1]
    return name[5:] if name.startswith("ATTR_") else name


def _encode(method, value):
    """The result as JSON text; NaN and ±Infinity never travel (protocol/json-safety.ts). A device
    that answers NaN (a reading it does not have) is the device's answer, not a labrelay defect,
    so it is DEVICE_ERROR rather than the TypeScript worker's INTERNAL."""
    try:
        return dumps(value)
    except ValueError:
        where = find_non_json(value) or "result"
        raise WireError(
            "DEVICE_ERROR",
            f"{method}: the device answered a number JSON cannot carry ({where}); "
            "it has no valid value there",
            {"where": where},
        ) from None
    except TypeError as err:
        raise WireError("INTERNAL", f"{method} produced a value that is not JSON: {err}") from None
