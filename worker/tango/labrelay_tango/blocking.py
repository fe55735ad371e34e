"""Which device classes and commands are served, by the TypeScript worker's rules
(worker/devices/blocking.ts), which are Asyncroscopy's made stricter: a blocked command is
refused by the bridge too, not only left out of the tool list.

- blocked_functions: a list blocks those commands in every class; a map takes a class name
  (exact) or "*" (every class) to commands. An entry `Class.command` blocks that one command
  wherever it appears, and `Class.*` every command of the class. Commands match exactly and
  case-sensitively, as Tango command names do.
- include_only: when non-empty, only the commands it names are served (`command`,
  `Class.command` or `Class.*`); blocking still wins.
- blocked_classes: class names, case-insensitive, left out besides DataBase and DServer, which
  always are (worker/devices/blocking.ts: a list blocking one more class must not expose the
  database's DbDeleteServer to a model).

Attribute tools are commands named get_<attr> and set_<attr> for these rules."""

#: Tango's own database and admin classes: they delete servers and devices, so never served.
ALWAYS_BLOCKED_CLASSES = ["DataBase", "DServer"]
_ALWAYS = {c.lower() for c in ALWAYS_BLOCKED_CLASSES}


class BlockingRules:
    def __init__(self, blocked_functions=None, include_only=None, blocked_classes=None):
        functions = blocked_functions if blocked_functions is not None else []
        entries = [("*", functions)] if isinstance(functions, list) else list(functions.items())
        self._global = set()
        self._per_class = {}
        for key, commands in entries:
            for entry in commands:
                dot = entry.find(".")
                if dot > 0:
                    self._per_class.setdefault(entry[:dot], set()).add(entry[dot + 1 :])
                elif key == "*":
                    self._global.add(entry)
                else:
                    self._per_class.setdefault(key, set()).add(entry)
        self._include = set(include_only or [])
        self._classes = _ALWAYS | {c.lower() for c in (blocked_classes or [])}

    def class_blocked(self, class_name):
        """Whether a whole class is left out."""
        return class_name.lower() in self._classes

    def verdict(self, class_name, command):
        """None when the command is served, else the rule that refuses it."""
        if class_name.lower() in _ALWAYS:
            return f"class {class_name} is always blocked (Tango's database and admin devices)"
        if self.class_blocked(class_name):
            return f"class {class_name} is in blocked_classes"
        if command in self._global:
            return f"{command} is blocked for every class by blocked_functions"
        own = self._per_class.get(class_name, ())
        if command in own or "*" in own:
            return f"{class_name}.{command} is blocked by blocked_functions"
        include = self._include
        if (
            include
            and command not in include
            and f"{class_name}.{command}" not in include
            and f"{class_name}.*" not in include
        ):
            return f"{class_name}.{command} is not in include_only"
        return None
