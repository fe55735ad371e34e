"""The methods every labrelay worker serves — health, describe, cancel, worker_status — the
device catalog's list_devices, and the safety policy's supervisor methods — stop_all,
lab_state, resume, lock, approvals_list, approval_decide — with the TypeScript worker's exact
names, JSON Schemas and annotations. They come from core_schemas.json, generated from
protocol/methods/ by gen-core-schemas.mjs (the bridge runs without Node) and checked against
the TypeScript catalog by test/tango/describe.test.ts, so they cannot drift apart. None touches
a device: all answer at once, on the socket thread, even while every device is busy."""

import copy
import json
import os

from .json_text import js_length, kind
from .params import Field, TextType
from .tango_types import Issue, ValueType

_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "core_schemas.json")

with open(_FILE, encoding="utf-8") as _f:
    _DESCRIBED = {m["name"]: m for m in json.load(_f)}

# Two descriptions say what this worker does instead of what the TypeScript one does: a Tango
# call cannot be interrupted, and the devices here are Tango devices.
_DESCRIBED["cancel"]["description"] = (
    "Ask the worker to stop the operation with this request id. A queued operation, or one "
    "waiting for a person's approval, is removed and answered CANCELLED. A Tango call that has "
    "been sent cannot be interrupted: it runs to its end and cancel reports it as running, not "
    "cancelled. An operation that already finished is not affected."
)
_DESCRIBED["list_devices"]["description"] = (
    "List the Tango devices this bridge serves with their class, the Tango host they came from "
    "and their identity (URL, server), and the classes with the tools that run their commands "
    "and, when attribute tools are on, read and write their attributes. A device is addressed "
    "by calling a tool named Class_command, with device set to its name when a class has "
    "several devices."
)

#: Names in catalog order.
NAMES = [
    "health",
    "describe",
    "cancel",
    "worker_status",
    "list_devices",
    "stop_all",
    "lab_state",
    "resume",
    "lock",
    "approvals_list",
    "approval_decide",
]

#: The supervisor methods (protocol/methods/safety.ts): never gated, never queued.
SAFETY = frozenset(NAMES[5:])


def _bare(value):
    # zod's wording: "received number", not "received a number".
    return kind(value).split(" ", 1)[-1]


class _Text(ValueType):
    """A string of min..max characters (zod's string().min().max()), never sent to a device."""

    tango = "string"

    def __init__(self, min_length=0, max_length=None):
        self.min_length = min_length
        self.max_length = max_length

    def allowed(self):
        return "a string"

    def check(self, value, path, issues):
        if not isinstance(value, str):
            issues.append(Issue(path, f"Invalid input: expected string, received {_bare(value)}"))
            return None
        length = js_length(value)
        if length < self.min_length:
            issues.append(
                Issue(path, f"Too small: expected string to have >={self.min_length} characters")
            )
        elif self.max_length is not None and length > self.max_length:
            issues.append(
                Issue(path, f"Too big: expected string to have <={self.max_length} characters")
            )
        return value


class _Flag(ValueType):
    tango = "boolean"

    def allowed(self):
        return "true or false"

    def check(self, value, path, issues):
        if not isinstance(value, bool):
            issues.append(Issue(path, f"Invalid input: expected boolean, received {_bare(value)}"))
        return value


class _Choice(ValueType):
    tango = "string"

    def __init__(self, options):
        self.options = options

    def allowed(self):
        return "one of " + "|".join(f'"{o}"' for o in self.options)

    def check(self, value, path, issues):
        if value not in self.options or not isinstance(value, str):
            issues.append(Issue(path, f"Invalid option: expected {self.allowed()}"))
        return value


_ACTOR = [
    Field("by", _Text(1, 200), False, "Who: a person, user@host."),
    Field("via", _Text(1, 100), False, "Through what: cli, console, elicitation, mcp, wire."),
]

#: Defaults the supervisor methods' params take when left out.
DEFAULTS = {"by": "unknown", "via": "wire", "include_decided": False}

#: Each method's params, checked as strictly as the TypeScript worker's zod strictObject.
FIELDS = {
    "health": [],
    "describe": [],
    "cancel": [Field("id", TextType(), True, "Request id of the operation to cancel.")],
    "worker_status": [],
    "list_devices": [
        Field(
            "device_class",
            TextType(),
            False,
            "Only devices of this class, e.g. HP34401A; default all.",
        )
    ],
    "stop_all": [
        Field("reason", _Text(0, 500), False, "Why, for the log and the person."),
        *_ACTOR,
    ],
    "lab_state": [],
    "resume": [*_ACTOR],
    "lock": [
        Field("reason", _Text(1, 500), True, "Why, shown to the agent and the person."),
        *_ACTOR,
    ],
    "approvals_list": [Field("include_decided", _Flag(), False, None)],
    "approval_decide": [
        Field("id", _Text(1), True, "The approval id."),
        Field("decision", _Choice(["approve", "deny"]), True, None),
        *_ACTOR,
    ],
}


def descriptions():
    """The core methods' descriptions, copied for each catalog."""
    return [copy.deepcopy(_DESCRIBED[name]) for name in NAMES]
