"""Checking a request's params against a method's fields, and the one INVALID_PARAMS error a
person (or a model) can act on, worded as worker/param-errors.ts words it: for each bad field its
path, the value that was sent, what is wrong and what is allowed, and the field's own description;
`data.path` is the first bad field's path below "params"."""

from dataclasses import dataclass

from .errors import WireError
from .json_text import js_stringify
from .tango_types import Issue, ValueType, kind

#: Most problems spelled out in one message (an array of 4096 bad numbers is one mistake).
MAX_LISTED = 20

_MISSING = object()


@dataclass
class Field:
    name: str
    type: ValueType
    required: bool = True
    description: str = None


class TextType(ValueType):
    """A non-empty string that never reaches a device (cancel's id, list_devices' class)."""

    tango = "string"

    def schema(self):
        return {"type": "string", "minLength": 1}

    def allowed(self):
        return "a non-empty string"

    def plural(self):
        return "non-empty strings"

    def check(self, value, path, issues):
        if isinstance(value, str) and value:
            return value
        if isinstance(value, str):
            issues.append(Issue(path, "Too small: expected string to have >=1 characters"))
            return None
        issues.append(Issue(path, f"Invalid input: expected string, received {kind(value)}"))

    def to_json(self, raw):
        return raw


def check_params(method, fields, params):
    """The params as PyTango wants them, by name; raises INVALID_PARAMS listing every problem."""
    issues = []
    out = {}
    for field in fields:
        value = params.get(field.name, _MISSING)
        if value is _MISSING:
            if field.required:
                issues.append(Issue([field.name], f"Required: expected {field.type.allowed()}"))
            continue
        before = len(issues)
        checked = field.type.check(value, [field.name], issues)
        if len(issues) == before:
            out[field.name] = checked
    known = {f.name for f in fields}
    unknown = [key for key in params if key not in known]
    if unknown:
        quoted = ", ".join(js_stringify(k) for k in unknown)
        issues.append(Issue([], f"Unrecognized key{'s' if len(unknown) > 1 else ''}: {quoted}"))
    if issues:
        raise _invalid(method, fields, params, issues, unknown)
    return out


def _invalid(method, fields, params, issues, unknown):
    docs = {f.name: f.description for f in fields}
    parts = []
    for issue in issues[:MAX_LISTED]:
        if not issue.path:
            allowed = [f.name for f in fields]
            noun = "parameters" if len(unknown) > 1 else "parameter"
            parts.append(
                f"unknown {noun} {', '.join(chr(34) + k + chr(34) for k in unknown)}; "
                + (
                    f"allowed: {', '.join(allowed)}"
                    if allowed
                    else "this method takes no parameters"
                )
            )
            continue
        field = ".".join(str(p) for p in issue.path)
        value = _value_at(params, issue.path)
        sent = "is missing" if value is _MISSING else f"= {_preview(value)}"
        doc = docs.get(issue.path[0])
        parts.append(
            f'"{field}" {sent}: {_lower_first(issue.message)}' + (f" ({doc})" if doc else "")
        )
    if len(issues) > MAX_LISTED:
        parts.append(f"and {len(issues) - MAX_LISTED} more")
    first = issues[0]
    return WireError(
        "INVALID_PARAMS",
        f"invalid params for {method}: {'; '.join(parts)}",
        {
            "path": ["params", *(str(p) for p in first.path)],
            "issues": [
                {"path": [str(p) for p in i.path], "message": i.message}
                for i in issues[:MAX_LISTED]
            ],
        },
    )


def _value_at(root, path):
    value = root
    for key in path:
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value):
            value = value[key]
        else:
            return _MISSING
    return value


def _preview(value):
    text = js_stringify(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _lower_first(text):
    return text[:1].lower() + text[1:]
