"""The methods every labrelay worker serves — health, describe, cancel, worker_status — and the
device catalog's list_devices, with the TypeScript worker's exact names, JSON Schemas and
annotations. They come from core_schemas.json, generated from protocol/methods/ by
gen-core-schemas.mjs (the bridge runs without Node) and checked against the TypeScript
catalog by test/tango/describe.test.ts, so they cannot drift apart. None touches a device:
all answer at once, on the socket thread, even while every device is busy."""

import copy
import json
import os

from .params import Field, TextType

_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "core_schemas.json")

with open(_FILE, encoding="utf-8") as _f:
    _DESCRIBED = {m["name"]: m for m in json.load(_f)}

# Two descriptions say what this worker does instead of what the TypeScript one does: a Tango
# call cannot be interrupted, and the devices here are Tango devices.
_DESCRIBED["cancel"]["description"] = (
    "Ask the worker to stop the operation with this request id. A queued operation is removed "
    "and answered CANCELLED. A Tango call that has started cannot be interrupted: it runs to "
    "its end and cancel reports it as running, not cancelled. An operation that already "
    "finished is not affected."
)
_DESCRIBED["list_devices"]["description"] = (
    "List the Tango devices this bridge serves with their class, the Tango host they came from "
    "and their identity (URL, server), and the classes with the tools that run their commands "
    "and, when attribute tools are on, read and write their attributes. A device is addressed "
    "by calling a tool named Class_command, with device set to its name when a class has "
    "several devices."
)

#: Names in catalog order.
NAMES = ["health", "describe", "cancel", "worker_status", "list_devices"]

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
}


def descriptions():
    """The core methods' descriptions, copied for each catalog."""
    return [copy.deepcopy(_DESCRIBED[name]) for name in NAMES]
