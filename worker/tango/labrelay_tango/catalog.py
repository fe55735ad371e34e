"""One immutable snapshot of what the bridge serves: the core methods, the tools the discovered
devices became, the names refused by configuration, the devices and classes as describe and
list_devices report them, and the catalog hash that changes whenever any of it does (clients
re-read describe when it changes). A new snapshot replaces the old one on the socket thread in
one assignment, so a request never sees half of each."""

import hashlib
import re

from . import core_methods
from .json_text import dumps
from .tools import CatalogBuilder


def _natural(name):
    # Device names sort as the TypeScript worker sorts them (localeCompare, numeric): 2 before 10.
    return [int(p) if p.isdigit() else p.lower() for p in re.split(r"(\d+)", name)]


class Catalog:
    def __init__(self, interfaces, *, rules, attribute_tools, timeout_ms, log=None):
        builder = CatalogBuilder(rules, attribute_tools, timeout_ms, core_methods.NAMES)
        by_class = {}
        for interface in sorted(interfaces.values(), key=lambda i: _natural(i.target.name)):
            by_class.setdefault(interface.dev_class, []).append(interface)
        self.devices = []
        for class_name in sorted(by_class, key=_natural):
            members = by_class[class_name]
            if builder.add_class(class_name, members):
                self.devices.extend(
                    {
                        "name": i.target.name,
                        "class": class_name,
                        "origin": i.target.origin,
                        "resource": f"tango:{i.target.name}",
                        "info": i.info,
                    }
                    for i in members
                )
        self.devices.sort(key=lambda d: _natural(d["name"]))
        self.classes = builder.classes
        # Each class's attribute names by lower case (Tango's names are case-insensitive): the
        # safety policy reads a setting's present value from the attribute of its name.
        self.attributes = {
            c["name"]: {a["name"].lower(): a["name"] for a in c["attributes"]} for c in self.classes
        }
        self.tools = builder.tools
        self.blocked = builder.blocked
        self.blocked_prefixes = builder.blocked_prefixes
        self.problems = builder.problems
        self.methods = core_methods.descriptions() + [t.description for t in self.tools.values()]
        self.names = [m["name"] for m in self.methods]
        self.hash = hashlib.sha256(
            dumps([self.methods, [], [], self.devices]).encode("utf-8")
        ).hexdigest()[:16]
        if log:
            for problem in self.problems:
                log.warn(problem)

    def blocked_reason(self, name):
        """Why a name that is not served is refused by configuration, or None."""
        if name in self.blocked:
            return self.blocked[name]
        for prefix, reason in self.blocked_prefixes.items():
            if name.startswith(prefix):
                return reason
        return None

    def list_devices(self, class_name=None):
        return {
            "devices": [d for d in self.devices if not class_name or d["class"] == class_name],
            "classes": [c for c in self.classes if not class_name or c["name"] == class_name],
        }
