"""Device interfaces become tools, named and shaped as the TypeScript worker's device tools
(worker/devices/device-tools.ts) and Asyncroscopy's: one tool per class and command,
`Class_command`, taking the command's one argument under its documented name (`:param NAME:` in
its description, else `arg`), plus a `device` argument listing the devices when a class has
several (Asyncroscopy keeps only one of them, silently). With attribute tools on, also
`Class_get_<attr>` and, for writable attributes, `Class_set_<attr>`.

Tango does not say which commands only read, so every command counts as destructive and not
idempotent (a retry after a lost reply is then never automatic), except State and Status.
"""

import re

from .description import tool_description
from .params import Field
from .python_names import python_parameter_name
from .tango_types import (
    Unsupported,
    attribute_type,
    command_type,
    limit,
    meaningful,
    type_name,
)

SCHEMA = "https://json-schema.org/draft/2020-12/schema"
_PARAM_NAME = re.compile(r"(?::param|@param)\s+(\w+):")
#: Commands every Tango device has that only read.
_READ_ONLY_COMMANDS = {"State", "Status"}
_QUALITIES = ["VALID", "INVALID", "ALARM", "CHANGING", "WARNING"]
ATTRIBUTE_TOOLS_OFF = "attribute tools are off (set attribute_tools: true)"


class Tool:
    """One served method: what it runs on which devices, how its params are checked, and its
    description for `describe`."""

    def __init__(
        self,
        *,
        name,
        kind,
        class_name,
        member,
        fields,
        result_type,
        devices,
        urls,
        units=None,
        description,
        in_type_number=0,
    ):
        self.name = name
        self.kind = kind  # "command", "get" or "set"
        self.class_name = class_name
        self.member = member  # the command or attribute name on the device
        self.fields = fields  # [Field]: the argument (if any), then device (if several)
        self.result_type = result_type
        self.devices = devices
        self.urls = urls
        self.units = units
        self.description = description
        self.in_type_number = in_type_number  # the command's argin CmdArgType
        # The field whose value is passed to the device (None: a DevVoid command or a read).
        self.argument = next((f.name for f in fields if f.name != "device"), None)
        # Reads are never gated by the safety policy; every other call is a write.
        self.read_only = kind == "get" or (
            kind == "command" and member in _READ_ONLY_COMMANDS
        )

    @property
    def several(self):
        return len(self.devices) > 1

    def what(self):
        """How the call is named in messages: 'command DevDouble', 'a read of attribute x'."""
        if self.kind == "command":
            return f"command {self.member}"
        return f"{'a read' if self.kind == 'get' else 'a write'} of attribute {self.member}"


def tool_name(class_name, member):
    return f"{class_name}_{member}".replace("/", "_").replace("-", "_")


def _device_field(class_name, devices):
    return Field(
        "device",
        _DeviceType(devices),
        True,
        f"Which {class_name}: {', '.join(devices)}.",
    )


class _DeviceType:
    """The `device` argument: one of the class's device names."""

    tango = "device"

    def __init__(self, devices):
        self.devices = list(devices)

    def schema(self):
        return {"type": "string", "enum": list(self.devices)}

    def allowed(self):
        return "one of " + ", ".join(f'"{d}"' for d in self.devices)

    def check(self, value, path, issues):
        from .tango_types import Issue

        if isinstance(value, str) and value in self.devices:
            return value
        issues.append(Issue(path, f"Invalid option: expected {self.allowed()}"))


def _input_schema(fields):
    properties, required = {}, []
    for field in fields:
        prop = dict(field.type.schema())
        if field.description:
            prop["description"] = field.description
        properties[field.name] = prop
        if field.required:
            required.append(field.name)
    schema = {"$schema": SCHEMA, "type": "object", "properties": properties}
    if required:
        schema["required"] = required
    schema["additionalProperties"] = False
    return schema


def _method(
    name,
    *,
    title,
    description,
    input_schema,
    output_schema,
    read_only,
    idempotent,
    destructive,
    resource,
    timeout_ms,
):
    """A method description, as protocol/describe.ts describeMethod writes one."""
    return {
        "name": name,
        "title": title,
        "description": description,
        "inputSchema": input_schema,
        "outputSchema": output_schema,
        "annotations": {
            "title": title,
            "readOnlyHint": read_only,
            "idempotentHint": idempotent,
            "destructiveHint": destructive,
            # A device is the outside world: a call can change physical state.
            "openWorldHint": True,
        },
        "resource": resource,
        # The call's own proxy timeout: the bridge answers TIMEOUT then, the client waits longer.
        "deadline": {"base_ms": timeout_ms},
        "mcp": True,
    }


def param_name(in_desc, several):
    """Asyncroscopy's rule: the name after `:param` / `@param` in the input description, else
    `arg` (and `arg` too when the name would clash with the device argument). The one argument
    maps to the command's argin whatever it is called, so a name Python cannot bind (`in`,
    `2theta`) is listed as its safe form (`in_`, `p_2theta`) with nothing to map back."""
    match = _PARAM_NAME.search(in_desc or "")
    name = python_parameter_name(match.group(1)) if match else "arg"
    return "arg" if several and name == "device" else name


class CatalogBuilder:
    """Collects the tools, refusals and class descriptions of one catalog (catalog.py)."""

    def __init__(self, rules, attribute_tools, timeout_ms, reserved):
        self.rules = rules
        self.attribute_tools = attribute_tools
        self.timeout_ms = timeout_ms
        self.reserved = set(reserved)
        self.tools = {}
        self.blocked = {}
        self.blocked_prefixes = {}
        self.classes = []
        self.problems = []

    def add_class(self, class_name, interfaces):
        devices = [i.target.name for i in interfaces]
        urls = {i.target.name: i.target.url for i in interfaces}
        if self.rules.class_blocked(class_name):
            # Its commands were never read; every Class_* name is refused.
            self.blocked_prefixes[
                tool_name(class_name, "")
            ] = f"class {class_name} is in blocked_classes"
            return False
        first = interfaces[0]
        described = {
            "name": class_name,
            "doc": f"Tango device class {class_name} (server {first.info.get('server_id', '?')}).",
            "devices": devices,
            "commands": [],
            "attributes": [],
        }
        for command in first.commands:
            self._add_command(class_name, command, devices, urls, described)
        for attribute in first.attributes:
            self._add_attribute(class_name, attribute, devices, urls, described)
        self.classes.append(described)
        return True

    def _claim(self, name, class_name, member):
        """False (and a logged problem) when the tool name is already taken."""
        if name in self.reserved or name in self.tools:
            self.problems.append(
                f"{class_name}.{member}: tool name {name} is already taken; not served"
            )
            return False
        return True

    def _verdict(self, name, class_name, member):
        reason = self.rules.verdict(class_name, member)
        if reason:
            self.blocked[name] = reason
        return reason is None

    def _add_command(self, class_name, command, devices, urls, described):
        name = tool_name(class_name, command.name)
        if not self._verdict(name, class_name, command.name) or not self._claim(
            name, class_name, command.name
        ):
            return
        try:
            in_type = command_type(command.in_type)
            out_type = command_type(command.out_type)
        except Unsupported as err:
            self.blocked[name] = f"{class_name}.{command.name} cannot be served: {err}"
            self.problems.append(self.blocked[name])
            return
        several = len(devices) > 1
        fields = []
        if command.in_type != 0:
            fields.append(
                Field(
                    param_name(command.in_desc, several), in_type, True, meaningful(command.in_desc)
                )
            )
        if several:
            fields.append(_device_field(class_name, devices))
        input_schema = _input_schema(fields)
        output_schema = {"$schema": SCHEMA, **out_type.schema()}
        out_desc = meaningful(command.out_desc)
        if out_desc and command.out_type != 0:
            output_schema["description"] = out_desc
        read_only = command.name in _READ_ONLY_COMMANDS
        doc = f"Tango command {command.name} of {class_name}."
        in_desc = meaningful(command.in_desc)
        description = tool_description(
            doc=doc,
            class_name=class_name,
            member_line=f"Tango command: {command.name}",
            type_lines=[
                f"Input type: {type_name(command.in_type)}"
                + (f" — {in_desc}" if in_desc and command.in_type else ""),
                f"Output type: {type_name(command.out_type)}"
                + (f" — {out_desc}" if out_desc and command.out_type else ""),
            ],
            devices=devices,
            input_schema=input_schema,
            output_schema=output_schema,
        )
        self.tools[name] = Tool(
            name=name,
            kind="command",
            class_name=class_name,
            member=command.name,
            fields=fields,
            result_type=out_type,
            devices=devices,
            urls=urls,
            in_type_number=command.in_type,
            description=_method(
                name,
                title=f"{class_name} {command.name.replace('_', ' ')}",
                description=description,
                input_schema=input_schema,
                output_schema=output_schema,
                read_only=read_only,
                idempotent=read_only,
                destructive=not read_only,
                resource=_resource(devices),
                timeout_ms=self.timeout_ms,
            ),
        )
        described["commands"].append(
            {
                "name": command.name,
                "tool": name,
                "doc": doc,
                "inputSchema": input_schema,
                "outputSchema": output_schema,
                "readOnly": read_only,
                "destructive": not read_only,
            }
        )

    def _add_attribute(self, class_name, attribute, devices, urls, described):
        try:
            value_type = attribute_type(
                attribute.data_type,
                attribute.data_format,
                min_value=limit(attribute.min_value),
                max_value=limit(attribute.max_value),
                enum_labels=attribute.enum_labels,
                max_dim_x=attribute.max_dim_x,
                max_dim_y=attribute.max_dim_y,
            )
        except Unsupported as err:
            self.problems.append(f"{class_name} attribute {attribute.name}: {err}; no tools")
            return
        writable = attribute.writable in ("WRITE", "READ_WRITE")
        units = (
            attribute.unit
            if attribute.unit and attribute.unit.lower() not in ("no unit", "none")
            else None
        )
        doc = (
            meaningful(attribute.description)
            or f"Tango attribute {attribute.name} of {class_name}."
        )
        get_name = tool_name(class_name, f"get_{attribute.name}")
        set_name = tool_name(class_name, f"set_{attribute.name}")
        tools = {"get": None, "set": None}
        if not self.attribute_tools:
            self.blocked[get_name] = ATTRIBUTE_TOOLS_OFF
            if writable:
                self.blocked[set_name] = ATTRIBUTE_TOOLS_OFF
        else:
            if self._add_attribute_tool(
                "get", get_name, class_name, attribute, value_type, units, doc, devices, urls
            ):
                tools["get"] = get_name
            if writable and self._add_attribute_tool(
                "set", set_name, class_name, attribute, value_type, units, doc, devices, urls
            ):
                tools["set"] = set_name
        described["attributes"].append(
            {
                "name": attribute.name,
                "doc": doc,
                "schema": value_type.schema(),
                "units": units,
                "access": "readwrite" if writable else "read",
                "tools": tools,
            }
        )

    def _add_attribute_tool(
        self, kind, name, class_name, attribute, value_type, units, doc, devices, urls
    ):
        member = f"{kind}_{attribute.name}"
        if not self._verdict(name, class_name, member) or not self._claim(name, class_name, member):
            return False
        fields = (
            [Field("value", value_type, True, _value_description(units))] if kind == "set" else []
        )
        if len(devices) > 1:
            fields.append(_device_field(class_name, devices))
        input_schema = _input_schema(fields)
        output_schema = {"$schema": SCHEMA, **_attribute_result_schema(value_type, units)}
        tool_doc = (
            f"Read the Tango attribute {attribute.name}: {doc}"
            if kind == "get"
            else f"Write the Tango attribute {attribute.name}: {doc} "
            "Returns the value read back after setting it."
        )
        description = tool_description(
            doc=tool_doc,
            class_name=class_name,
            member_line=f"Tango attribute: {attribute.name}",
            type_lines=[
                f"Type: {type_name(attribute.data_type)} {attribute.data_format}, "
                f"{attribute.writable}" + (f", units {units}" if units else "")
            ],
            devices=devices,
            input_schema=input_schema,
            output_schema={},
        )
        read_only = kind == "get"
        self.tools[name] = Tool(
            name=name,
            kind=kind,
            class_name=class_name,
            member=attribute.name,
            fields=fields,
            result_type=value_type,
            devices=devices,
            urls=urls,
            units=units,
            description=_method(
                name,
                title=f"{class_name} {member.replace('_', ' ')}",
                description=description,
                input_schema=input_schema,
                output_schema=output_schema,
                read_only=read_only,
                # Writing the same value twice leaves the device as writing it once.
                idempotent=True,
                destructive=False,
                resource=_resource(devices),
                timeout_ms=self.timeout_ms,
            ),
        )
        return True


def _value_description(units):
    return f"The value to write, in {units}." if units else "The value to write."


def _attribute_result_schema(value_type, units):
    return {
        "type": "object",
        "properties": {
            "value": {
                "anyOf": [value_type.schema(), {"type": "null"}],
                "description": "The value read; null when its quality is INVALID."
                + (f" In {units}." if units else ""),
            },
            "units": {"description": "Units of value; null for none.", "type": ["string", "null"]},
            "quality": {
                "description": "The Tango attribute quality; null when it could not be read back.",
                "type": ["string", "null"],
                "enum": [*_QUALITIES, None],
            },
        },
        "required": ["value", "units", "quality"],
        "additionalProperties": False,
    }


def _resource(devices):
    # What describe shows; each call serializes on tango:<the device it addresses>.
    return f"tango:{devices[0]}" if len(devices) == 1 else "tango:{device}"
