"""Reading one request message and routing frames, exactly as protocol/envelope.ts
(decodeRequest) and worker/router-server.ts (splitRouting) do, so a malformed message gets the
same BAD_ENVELOPE text from this bridge as from the TypeScript worker."""

from .errors import WireError
from .json_text import js_length, js_stringify, kind, loads

#: Longest id accepted; a UUID is 36 characters, the rest is room for bench scripts' own schemes.
MAX_ID_LENGTH = 256


class BadEnvelope(WireError):
    """A message that is not a request; `request_id` is the id when it could be read."""

    def __init__(self, request_id, message):
        super().__init__("BAD_ENVELOPE", message)
        self.request_id = request_id


def split_routing(frames):
    """Separates the routing prefix a ROUTER adds from the request frame:

    REQ    → ROUTER: [identity, "", request]    ROUTER → REQ:    [identity, "", reply]
    DEALER → ROUTER: [identity, request]        ROUTER → DEALER: [identity, reply]
    """
    if len(frames) >= 3 and len(frames[1]) == 0:
        return frames[:2], frames[2]
    return frames[:1], frames[1] if len(frames) > 1 else b""


def decode_request(raw):
    """(id, method, params) from one message; raises BadEnvelope naming what was wrong."""
    # Invalid UTF-8 becomes U+FFFD, as Node's Buffer.toString('utf8') makes it.
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, (bytes, bytearray)) else raw
    try:
        value = loads(text)
    except (ValueError, RecursionError) as err:
        raise BadEnvelope(None, f"request is not valid JSON ({err})") from None
    if not isinstance(value, dict):
        raise BadEnvelope(
            None, f"request must be a JSON object {{id, method, params}}; got {kind(value)}"
        )
    request_id = value.get("id")
    if not isinstance(request_id, str) or request_id == "" or js_length(request_id) > MAX_ID_LENGTH:
        raise BadEnvelope(
            None,
            f'field "id" must be a non-empty string of at most {MAX_ID_LENGTH} characters '
            f"(a UUID is usual); got {describe_value(value, 'id')}",
        )
    method = value.get("method")
    if not isinstance(method, str) or method == "":
        raise BadEnvelope(
            request_id,
            f'field "method" must be a non-empty string; got {describe_value(value, "method")}',
        )
    params = value.get("params")
    if "params" in value and not isinstance(params, dict):
        raise BadEnvelope(request_id, f'field "params" must be a JSON object; got {kind(params)}')
    return request_id, method, params if isinstance(params, dict) else {}


def describe_value(container, key):
    if key not in container:
        return "nothing (the field is missing)"
    value = container[key]
    text = js_stringify(value)
    if js_length(text) > 60:
        text = text[:57] + "..."
    return f"{kind(value)} {text}"
