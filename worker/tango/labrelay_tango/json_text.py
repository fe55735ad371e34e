"""JSON as labrelay's wire carries it: compact, UTF-8, and never NaN or ±Infinity
(protocol/json-safety.ts) — Python's json would write those tokens, which JSON.parse rejects."""

import json
import math

_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
_ascii_encoder = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"), allow_nan=False)


def dumps(value):
    """Compact JSON text; raises ValueError for a non-finite float (see find_non_json)."""
    return _encoder.encode(value)


def to_bytes(text):
    """UTF-8 for the wire. A lone surrogate (valid in a JSON string, e.g. "\\ud800") cannot be
    encoded as UTF-8, so such text is re-written with ASCII escapes, as JSON.stringify does."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return _ascii_encoder.encode(json.loads(text)).encode("ascii")


def _refuse_constant(name):
    raise ValueError(f"{name} is not valid JSON")


def loads(text):
    """Strict JSON: NaN, Infinity and -Infinity are refused, as JavaScript's JSON.parse does."""
    return json.loads(text, parse_constant=_refuse_constant)


def find_non_json(value, path="result"):
    """Where a value holds something JSON cannot carry, as `result.fit.sigma is NaN`, or None."""
    if isinstance(value, float):
        if math.isfinite(value):
            return None
        return f"{path} is {js_number(value)}"
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            found = find_non_json(item, f"{path}[{i}]")
            if found:
                return found
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            found = find_non_json(item, f"{path}.{key}")
            if found:
                return found
        return None
    return None


def js_number(value):
    """A number as JavaScript prints it: 2 not 2.0, NaN, Infinity, 1e+21."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        sign = "-" if exponent.startswith("-") else "+"
        text = f"{mantissa}e{sign}{exponent.lstrip('+-').lstrip('0') or '0'}"
    return text


def js_stringify(value):
    """JSON.stringify for error messages: numbers printed the JavaScript way."""
    if isinstance(value, float) or (isinstance(value, int) and not isinstance(value, bool)):
        return js_number(value)
    if isinstance(value, list):
        return "[" + ",".join(js_stringify(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{dumps(str(k))}:{js_stringify(v)}" for k, v in value.items()) + "}"
    try:
        return dumps(value)
    except (TypeError, ValueError):
        return str(value)


def js_length(text):
    """A string's length as JavaScript counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def kind(value):
    """What a JSON value is, in words, for messages (as protocol/envelope.ts words it)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
