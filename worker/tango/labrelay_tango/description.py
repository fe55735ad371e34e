"""Tool descriptions and one-line signatures, read back from the JSON Schemas a model will see so
the text cannot disagree with them — the shape of worker/devices/tool-description.ts and
protocol/tool-signature.ts, with Asyncroscopy's `Tango device class` / `Tango command` lines."""

from .json_text import js_stringify

# Bounds at or beyond 2^53 are a type's width, not a range anyone chose (as in the TS worker).
_MAX_SAFE = 2**53 - 1


def _chosen(value):
    return (
        isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) < _MAX_SAFE
    )


def quantity_facts(schema):
    """'mm, 0 … 10' from x-unit, minimum/maximum and enum; '' when none."""
    parts = []
    unit = schema.get("x-unit")
    if isinstance(unit, str) and unit != "1":
        parts.append(unit)
    lo, hi = schema.get("minimum"), schema.get("maximum")
    if _chosen(lo) and _chosen(hi):
        parts.append(f"{js_stringify(lo)} … {js_stringify(hi)}")
    elif _chosen(lo):
        parts.append(f"≥ {js_stringify(lo)}")
    elif _chosen(hi):
        parts.append(f"≤ {js_stringify(hi)}")
    if isinstance(schema.get("enum"), list):
        parts.append("one of " + ", ".join(js_stringify(v) for v in schema["enum"]))
    return ", ".join(parts)


def tool_description(
    *, doc, class_name, member_line, type_lines, devices, input_schema, output_schema
):
    """doc, then `Tango device class: X`, the command or attribute, its types, the devices, and
    each parameter's range."""
    lines = [doc, f"Tango device class: {class_name}", member_line, *type_lines]
    if len(devices) > 1:
        lines.append(f"Devices (pass one as device): {', '.join(devices)}")
    elif devices:
        lines.append(f"Device: {devices[0]}")
    required = set(input_schema.get("required", []))
    for name, prop in input_schema.get("properties", {}).items():
        if name == "device":
            continue
        facts = quantity_facts(prop)
        if facts:
            lines.append(f"{name}{'' if name in required else ' (optional)'}: {facts}")
    facts = quantity_facts(output_schema)
    if facts:
        lines.append(f"Returns: {facts}")
    return "\n".join(lines)


def _type_name(schema):
    if isinstance(schema.get("enum"), list):
        return "|".join(js_stringify(v) for v in schema["enum"])
    if "const" in schema:
        return js_stringify(schema["const"])
    union = schema.get("anyOf") or schema.get("oneOf")
    if union:
        return "|".join(_type_name(s) for s in union)
    kind = schema.get("type", "any")
    kind = "|".join(kind) if isinstance(kind, list) else str(kind)
    if kind == "array" and isinstance(schema.get("items"), dict):
        kind = f"{_type_name(schema['items'])}[]"
    if kind == "object" and isinstance(schema.get("properties"), dict):
        kind = "{" + ", ".join(schema["properties"]) + "}"
    lo, hi = schema.get("minimum"), schema.get("maximum")
    if _chosen(lo) or _chosen(hi):
        span = (
            f"{js_stringify(lo) if _chosen(lo) else ''} … "
            f"{js_stringify(hi) if _chosen(hi) else ''}"
        )
        return f"{kind} [{span.strip()}]"
    return kind


def tool_signature(name, input_schema, output_schema=None):
    """`TangoTest_DevShort(arg: integer [-32768 … 32767]) → integer [-32768 … 32767]`."""
    required = set(input_schema.get("required", []))
    params = [
        f"{param}{'' if param in required else '?'}: {_type_name(schema)}"
        for param, schema in input_schema.get("properties", {}).items()
    ]
    tail = f" → {_type_name(output_schema)}" if output_schema else ""
    return f"{name}({', '.join(params)}){tail}"
