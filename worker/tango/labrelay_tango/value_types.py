"""Scalar Tango types as JSON: the JSON Schema a model sees, the check every value passes before
it is handed to PyTango, and the conversion of what PyTango returns back to plain JSON.

The check is the only validator between a model and the device (the frontend passes schemas
through unchanged), and PyTango itself is not one: it raises OverflowError for some bad values,
silently truncates a string at a NUL and, in PyTango 9.3, crashes the whole process with a
segmentation fault when a string holds a character outside Latin-1. So every value is checked
here, completely, and refused with a message naming what is allowed.
"""

import math

from .json_text import js_number, js_stringify, kind

#: DevState names in IDL order (DevState value → name).
STATE_NAMES = [
    "ON", "OFF", "CLOSE", "OPEN", "INSERT", "EXTRACT", "MOVING",
    "STANDBY", "FAULT", "INIT", "RUNNING", "ALARM", "DISABLE", "UNKNOWN",
]  # fmt: skip

#: Largest finite float32: DevFloat values beyond it would reach the device as ±inf.
FLOAT32_MAX = 3.4028234663852886e38


class Issue(Exception):
    """One bad value: where it is (path below params) and what is wrong with it."""

    def __init__(self, path, message):
        super().__init__(message)
        self.path = path
        self.message = message


class ValueType:
    """One Tango type: `schema()` for describe, `check()` before a call, `to_json()` after it."""

    tango = ""

    def schema(self):
        raise NotImplementedError

    def allowed(self):
        """What is accepted, as a phrase: 'an integer from -32768 to 32767 (DevShort)'."""
        raise NotImplementedError

    def plural(self):
        """The same for array elements: 'integers from -32768 to 32767'."""
        raise NotImplementedError

    def check(self, value, path, issues):
        """The value as PyTango wants it; appends an Issue to `issues` when it is refused."""
        raise NotImplementedError

    def to_json(self, raw):
        raise NotImplementedError

    def _wrong(self, value, path, issues):
        issues.append(Issue(path, f"Expected {self.allowed()}, received {kind(value)}"))


class VoidType(ValueType):
    tango = "DevVoid"

    def schema(self):
        return {"type": "null"}

    def allowed(self):
        return "nothing (DevVoid)"

    def plural(self):
        return "nothing"

    def check(self, value, path, issues):
        return None

    def to_json(self, raw):
        return None


class BoolType(ValueType):
    tango = "DevBoolean"

    def schema(self):
        return {"type": "boolean"}

    def allowed(self):
        return f"true or false ({self.tango})"

    def plural(self):
        return "booleans (true or false)"

    def check(self, value, path, issues):
        if isinstance(value, bool):
            return value
        self._wrong(value, path, issues)

    def to_json(self, raw):
        return bool(raw)


class IntType(ValueType):
    """Every integer width with its exact range; 64-bit bounds beyond 2^53 are stated exactly
    (Python's json writes big integers digit for digit)."""

    def __init__(self, tango, lo, hi):
        self.tango, self.lo, self.hi = tango, lo, hi

    def narrowed(self, lo, hi):
        """The same type within an attribute's min_value / max_value."""
        lo = self.lo if lo is None else max(self.lo, math.ceil(lo))
        hi = self.hi if hi is None else min(self.hi, math.floor(hi))
        return IntType(self.tango, lo, hi)

    def schema(self):
        return {"type": "integer", "minimum": self.lo, "maximum": self.hi}

    def allowed(self):
        return f"an integer from {self.lo} to {self.hi} ({self.tango})"

    def plural(self):
        return f"integers from {self.lo} to {self.hi}"

    def check(self, value, path, issues):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return self._wrong(value, path, issues)
        if isinstance(value, float):
            # JSON does not tell 3 from 3.0; JavaScript clients cannot either.
            if not math.isfinite(value) or not value.is_integer():
                issues.append(
                    Issue(path, f"Expected {self.allowed()}, received {js_number(value)}")
                )
                return None
            value = int(value)
        if value < self.lo or value > self.hi:
            issues.append(Issue(path, f"Out of range: expected {self.allowed()}"))
            return None
        return value

    def to_json(self, raw):
        return int(raw)


class FloatType(ValueType):
    """DevDouble: any finite number; DevFloat: within float32's finite range (beyond it the
    device would get ±inf); either narrowed by an attribute's limits."""

    def __init__(self, tango, lo=None, hi=None):
        self.tango, self.lo, self.hi = tango, lo, hi

    def narrowed(self, lo, hi):
        lo = self.lo if lo is None else (lo if self.lo is None else max(self.lo, lo))
        hi = self.hi if hi is None else (hi if self.hi is None else min(self.hi, hi))
        return FloatType(self.tango, lo, hi)

    def schema(self):
        out = {"type": "number"}
        if self.lo is not None:
            out["minimum"] = self.lo
        if self.hi is not None:
            out["maximum"] = self.hi
        return out

    def _range(self):
        if self.lo is not None and self.hi is not None:
            return f"from {js_number(self.lo)} to {js_number(self.hi)}"
        if self.lo is not None:
            return f"≥ {js_number(self.lo)}"
        if self.hi is not None:
            return f"≤ {js_number(self.hi)}"
        return ""

    def allowed(self):
        span = self._range()
        return f"a number {span} ({self.tango})" if span else f"a finite number ({self.tango})"

    def plural(self):
        span = self._range()
        return f"numbers {span}" if span else "finite numbers"

    def check(self, value, path, issues):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return self._wrong(value, path, issues)
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            issues.append(Issue(path, f"Expected {self.allowed()}, received {js_number(number)}"))
            return None
        if (self.lo is not None and number < self.lo) or (self.hi is not None and number > self.hi):
            issues.append(Issue(path, f"Out of range: expected {self.allowed()}"))
            return None
        return number

    def to_json(self, raw):
        return float(raw)


class StringType(ValueType):
    """Tango strings are C byte strings and PyTango sends a str as Latin-1: a NUL would cut the
    string short on the device, and a character beyond U+00FF crashes PyTango 9.3."""

    def __init__(self, tango="DevString"):
        self.tango = tango

    def schema(self):
        return {"type": "string"}

    def allowed(self):
        return f"a string of Latin-1 text ({self.tango})"

    def plural(self):
        return "strings of Latin-1 text"

    def check(self, value, path, issues):
        if not isinstance(value, str):
            return self._wrong(value, path, issues)
        for i, char in enumerate(value):
            if char > "\xff":
                issues.append(
                    Issue(
                        path,
                        f"Not Latin-1 text: {js_stringify(char)} (U+{ord(char):04X}) at index "
                        f"{i}; Tango strings are byte strings that PyTango sends as Latin-1",
                    )
                )
                return None
            if char == "\0":
                issues.append(
                    Issue(
                        path,
                        f"Holds a NUL character at index {i}, which would end the Tango string "
                        "there",
                    )
                )
                return None
        return value

    def to_json(self, raw):
        if isinstance(raw, (bytes, bytearray)):
            return bytes(raw).decode("latin-1")
        return str(raw)


class LabelType(ValueType):
    """A string from a fixed list: DevState names, a DevEnum attribute's labels."""

    def __init__(self, tango, labels):
        self.tango, self.labels = tango, list(labels)

    def schema(self):
        return {"type": "string", "enum": list(self.labels)}

    def _choices(self):
        return ", ".join(js_stringify(label) for label in self.labels)

    def allowed(self):
        return f"one of {self._choices()} ({self.tango})"

    def plural(self):
        return f"values from {self._choices()}"

    def check(self, value, path, issues):
        if isinstance(value, str) and value in self.labels:
            return self.to_tango(value)
        if isinstance(value, str):
            issues.append(Issue(path, f"Invalid option: expected {self.allowed()}"))
            return None
        self._wrong(value, path, issues)

    def to_tango(self, label):
        return self.labels.index(label)

    def to_json(self, raw):
        index = int(raw)
        return self.labels[index] if 0 <= index < len(self.labels) else str(index)


class StateType(LabelType):
    def __init__(self):
        super().__init__("DevState", STATE_NAMES)

    def to_tango(self, label):
        import tango  # only when a DevState is really sent

        return getattr(tango.DevState, label)
