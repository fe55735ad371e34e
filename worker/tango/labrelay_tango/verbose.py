"""--verbose: the devices found and the tools they became, one line each, for a person checking
what a model will be offered (worker/devices/print-devices.ts, Asyncroscopy's verbose mode).
Written to stderr, never stdout."""

from .description import tool_signature


def format_catalog(catalog):
    lines = [
        f"devices: {len(catalog.devices)}, classes: {len(catalog.classes)}, "
        f"tools: {len(catalog.tools)}"
    ]
    for device in catalog.devices:
        lines.append(
            f"  device {device['name']}: {device['class']} from {device['origin']} "
            f"({device['info'].get('url')}) on {device['resource']}"
        )
    for cls in catalog.classes:
        lines.append(f"  class {cls['name']} ({', '.join(cls['devices'])}): {cls['doc']}")
        for command in cls["commands"]:
            lines.append(
                "    "
                + tool_signature(command["tool"], command["inputSchema"], command["outputSchema"])
            )
        for attribute in cls["attributes"]:
            tools = (
                ", ".join(t for t in (attribute["tools"]["get"], attribute["tools"]["set"]) if t)
                or "no tools"
            )
            units = f", {attribute['units']}" if attribute["units"] else ""
            lines.append(
                f"    attribute {attribute['name']} ({attribute['access']}{units}): {tools}"
            )
    for name, reason in sorted(catalog.blocked.items()):
        lines.append(f"  blocked {name}: {reason}")
    for prefix, reason in catalog.blocked_prefixes.items():
        lines.append(f"  blocked {prefix}*: {reason}")
    return "\n".join(lines)
