"""Structured Tango types as JSON: DevEncoded, arrays (DevVar*Array, SPECTRUM attributes),
images (IMAGE attributes) and the two mixed arrays, DevVarLongStringArray and
DevVarDoubleStringArray. Each element is checked by its scalar type (value_types.py)."""

import base64
import binascii

from .json_text import js_stringify, loads
from .value_types import Issue, LabelType, StringType, ValueType, kind


class EncodedType(ValueType):
    """DevEncoded, as Asyncroscopy normalises it: {"encoding": "base64", "metadata": <the
    format string, parsed when it is JSON>, "payload": <base64 bytes>}."""

    tango = "DevEncoded"

    def schema(self):
        return {
            "type": "object",
            "properties": {
                "encoding": {"type": "string", "const": "base64"},
                "metadata": {
                    "description": "The DevEncoded format string; parsed when it is JSON."
                },
                "payload": {"type": "string", "contentEncoding": "base64"},
            },
            "required": ["metadata", "payload"],
            "additionalProperties": False,
        }

    def allowed(self):
        return '{"metadata": a string or JSON value, "payload": base64 text} (DevEncoded)'

    def plural(self):
        return "DevEncoded objects"

    def check(self, value, path, issues):
        if not isinstance(value, dict):
            return self._wrong(value, path, issues)
        unknown = [k for k in value if k not in ("encoding", "metadata", "payload")]
        if unknown:
            issues.append(Issue(path, f"Unrecognized key: {js_stringify(unknown[0])}"))
            return None
        if "encoding" in value and value["encoding"] != "base64":
            issues.append(Issue(path + ["encoding"], 'Invalid input: expected "base64"'))
            return None
        if "metadata" not in value or "payload" not in value:
            missing = "metadata" if "metadata" not in value else "payload"
            issues.append(Issue(path + [missing], f"Required: expected {self.allowed()}"))
            return None
        metadata = value["metadata"]
        text = metadata if isinstance(metadata, str) else js_stringify(metadata)
        fmt = StringType("DevEncoded metadata").check(text, path + ["metadata"], issues)
        payload = value["payload"]
        if not isinstance(payload, str):
            issues.append(
                Issue(path + ["payload"], f"Expected base64 text, received {kind(payload)}")
            )
            return None
        try:
            data = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            issues.append(Issue(path + ["payload"], "Expected base64 text (RFC 4648, padded)"))
            return None
        return None if fmt is None else (fmt, data)

    def to_json(self, raw):
        if not isinstance(raw, (tuple, list)) or len(raw) != 2:
            return raw
        fmt, payload = raw
        if isinstance(fmt, (bytes, bytearray)):
            fmt = bytes(fmt).decode("utf-8", errors="replace")
        else:
            fmt = str(fmt)
        try:
            metadata = loads(fmt)
        except ValueError:
            metadata = fmt
        return {
            "encoding": "base64",
            "metadata": metadata,
            "payload": base64.b64encode(_payload_bytes(payload)).decode("ascii"),
        }


def _payload_bytes(payload):
    if isinstance(payload, (bytes, bytearray)):
        return bytes(payload)
    if isinstance(payload, memoryview):
        return payload.tobytes()
    if hasattr(payload, "tobytes"):  # numpy
        return payload.tobytes()
    text = str(payload)
    try:
        # PyTango hands undecoded bytes over as Latin-1 text: this gives the bytes back.
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


class ArrayType(ValueType):
    """DevVar*Array and SPECTRUM attributes: an array of one element type."""

    def __init__(self, tango, element, max_items=None):
        self.tango, self.element, self.max_items = tango, element, max_items

    def schema(self):
        out = {"type": "array", "items": self.element.schema()}
        if self.max_items:
            out["maxItems"] = self.max_items
        return out

    def allowed(self):
        return f"an array of {self.element.plural()} ({self.tango})"

    def plural(self):
        return f"arrays of {self.element.plural()}"

    def check(self, value, path, issues):
        if not isinstance(value, list):
            return self._wrong(value, path, issues)
        if self.max_items and len(value) > self.max_items:
            issues.append(
                Issue(
                    path, f"Too many items: {len(value)}; at most {self.max_items} ({self.tango})"
                )
            )
            return None
        before = len(issues)
        out = [self.element.check(item, path + [i], issues) for i, item in enumerate(value)]
        return out if len(issues) == before else None

    def to_json(self, raw):
        if hasattr(raw, "tolist") and not isinstance(self.element, (LabelType, StringType)):
            return raw.tolist()  # numpy: plain ints (exact for uint64), floats and bools
        return [self.element.to_json(item) for item in raw]


class ImageType(ArrayType):
    """IMAGE attributes: rows of equal length (a Tango image is rectangular)."""

    def __init__(self, tango, element, max_x=None, max_y=None):
        super().__init__(tango, ArrayType(tango, element, max_x), max_y)
        self.pixel = element

    def allowed(self):
        return f"an array of rows, each an array of {self.pixel.plural()} ({self.tango} image)"

    def check(self, value, path, issues):
        rows = super().check(value, path, issues)
        if rows and len({len(row) for row in rows}) > 1:
            lengths = [len(row) for row in rows]
            bad = next(i for i, n in enumerate(lengths) if n != lengths[0])
            issues.append(
                Issue(
                    path,
                    f"Rows must all have the same length (a Tango image is rectangular): row 0 "
                    f"has {lengths[0]}, row {bad} has {lengths[bad]}",
                )
            )
            return None
        return rows

    def to_json(self, raw):
        if hasattr(raw, "tolist") and not isinstance(self.pixel, (LabelType, StringType)):
            return raw.tolist()
        return [self.element.to_json(row) for row in raw]


class PairType(ValueType):
    """DevVarLongStringArray / DevVarDoubleStringArray: PyTango takes and returns
    [numbers, strings]; on the wire they are {"lvalue"|"dvalue": [...], "svalue": [...]}."""

    def __init__(self, tango, key, numbers):
        self.tango, self.key = tango, key
        self.numbers = ArrayType(tango, numbers)
        self.strings = ArrayType(tango, StringType())

    def schema(self):
        return {
            "type": "object",
            "properties": {self.key: self.numbers.schema(), "svalue": self.strings.schema()},
            "required": [self.key, "svalue"],
            "additionalProperties": False,
        }

    def allowed(self):
        return (
            f'{{"{self.key}": [{self.numbers.element.plural()}], '
            f'"svalue": [{self.strings.element.plural()}]}} ({self.tango})'
        )

    def plural(self):
        return f"{self.tango} objects"

    def check(self, value, path, issues):
        if not isinstance(value, dict):
            return self._wrong(value, path, issues)
        before = len(issues)
        out = []
        for key, part in ((self.key, self.numbers), ("svalue", self.strings)):
            if key not in value:
                issues.append(Issue(path + [key], f"Required: expected {self.allowed()}"))
                continue
            out.append(part.check(value[key], path + [key], issues))
        for key in value:
            if key not in (self.key, "svalue"):
                issues.append(Issue(path, f"Unrecognized key: {js_stringify(key)}"))
        return out if len(issues) == before else None

    def to_json(self, raw):
        numbers, strings = raw
        return {self.key: self.numbers.to_json(numbers), "svalue": self.strings.to_json(strings)}
