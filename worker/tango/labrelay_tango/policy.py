"""The safety policy's rules (worker/safety/policy-config.ts), checked as the TypeScript worker
checks them, so nothing outside the policy reaches a Tango device either.

`validate_policy` checks the settings' `policy` object exactly as the launcher's zod schema does
(strict objects, the same ranges and refinements) and fills in its defaults; a mistake names its
key path: `policy.rules[0].hard.max: must be a number`.

`check` decides one write as worker/safety/policy-gate.ts does, with the TypeScript worker's
findings and messages (rules.ts): which rules apply, whether it is refused, and what a person
must approve. Strictest wins: a refusal over an approval over letting it through.

- A rule applies when every selector it has matches — `tools` (globs over method names),
  `classes` (Tango class names) and `devices` (Tango device names; both case-insensitive, as
  Tango's names are) — every `when` entry equals the call's parameter, and it either has no
  `settings` or the call writes one of them. An attribute write writes the attribute (its name,
  case-insensitive); a command writes its argument, under the argument's name.
- `writable: false`, a value outside `hard`, a step from the present value larger than
  `max_step` (or a present value that cannot be read: fail closed) → REFUSED.
- Outside `soft`, a step larger than `approval_step` (or an unknown present value),
  `approval: always`, or the lab-wide posture `writes: approve` → a person approves first.
- `writes: deny` refuses every write.

Where Tango differs, the bridge is the stricter: a value a numeric rule cannot check (a string,
an array under a step limit) is refused rather than let through, and each element of a numeric
array is held to `hard` and `soft`.
"""

import math
import re

from .errors import WireError
from .json_text import js_number, js_stringify

WRITES = ("allow", "approve", "deny")

#: The policy of settings without one: writes allowed, no rules.
OPEN_POLICY = {"writes": "allow", "approval_timeout_s": 300, "rules": [], "scpi": []}

_GLOB = re.compile(r"^[A-Za-z0-9_*?./:+-]+$")
_GLOB_MESSAGE = "must be a name or a glob (* and ?) of letters, digits, _ . / : + -"
_RULE_KEYS = (
    "name",
    "tools",
    "classes",
    "devices",
    "settings",
    "when",
    "hard",
    "soft",
    "max_step",
    "approval_step",
    "min_interval_ms",
    "approval",
    "writable",
    "readback",
)
_SCPI_KEYS = ("name", "model", "match", "action", "value")
_POLICY_KEYS = ("writes", "approval_timeout_s", "rules", "scpi")


class PolicyError(Exception):
    """A `policy` setting that cannot be used; the message starts with its key path."""


# ---------------------------------------------------------------- validation


def _fail(path, problem):
    raise PolicyError(f"{path}: {problem}")


def _is_number(value):
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def _is_integer(value):
    return _is_number(value) and float(value).is_integer()


def _strict(path, value, keys):
    if not isinstance(value, dict):
        _fail(path, "must be an object")
    unknown = [k for k in value if k not in keys]
    if unknown:
        _fail(
            path,
            f"unknown key{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(js_stringify(k) for k in unknown)}; allowed: {', '.join(keys)}",
        )


def _text(path, value):
    if not isinstance(value, str):
        _fail(path, "must be a string")
    if not value:
        _fail(path, "must not be empty")
    return value


def _list(path, value, item):
    if not isinstance(value, list):
        _fail(path, "must be a list")
    if not value:
        _fail(path, "must list at least one")
    return [item(f"{path}[{i}]", v) for i, v in enumerate(value)]


def _glob(path, value):
    _text(path, value)
    if not _GLOB.match(value):
        _fail(path, _GLOB_MESSAGE)
    return value


def _number(path, value):
    if not _is_number(value):
        _fail(path, "must be a number")
    return value


def _bounds(path, value):
    _strict(path, value, ("min", "max"))
    out = {}
    for key in ("min", "max"):
        if key in value:
            out[key] = _number(f"{path}.{key}", value[key])
    if not out:
        _fail(path, "needs min, max or both")
    if "min" in out and "max" in out and out["min"] > out["max"]:
        _fail(path, "min > max")
    return out


def _positive(path, value):
    _number(path, value)
    if value <= 0:
        _fail(path, "must be greater than 0")
    return value


def _rule(path, raw):
    _strict(path, raw, _RULE_KEYS)
    if "name" not in raw:
        _fail(f"{path}.name", "is missing")
    rule = {"name": _text(f"{path}.name", raw["name"])}
    for key in ("tools", "classes", "devices"):
        if key in raw:
            rule[key] = _list(f"{path}.{key}", raw[key], _glob)
    if "settings" in raw:
        rule["settings"] = _list(f"{path}.settings", raw["settings"], _text)
    if "when" in raw:
        when = raw["when"]
        if not isinstance(when, dict):
            _fail(f"{path}.when", "must be an object of parameter names and values")
        for key, value in when.items():
            if not isinstance(value, str) and not _is_number(value) and not isinstance(value, bool):
                _fail(f"{path}.when.{key}", "must be a string, a number or a boolean")
        rule["when"] = dict(when)
    for key in ("hard", "soft"):
        if key in raw:
            rule[key] = _bounds(f"{path}.{key}", raw[key])
    for key in ("max_step", "approval_step"):
        if key in raw:
            rule[key] = _positive(f"{path}.{key}", raw[key])
    if "min_interval_ms" in raw:
        value = raw["min_interval_ms"]
        if not _is_integer(value) or not 0 <= value <= 3_600_000:
            _fail(f"{path}.min_interval_ms", "must be an integer from 0 to 3600000 (milliseconds)")
        rule["min_interval_ms"] = int(value)
    if "approval" in raw:
        if raw["approval"] not in ("always", "never"):
            _fail(f"{path}.approval", 'must be "always" or "never"')
        rule["approval"] = raw["approval"]
    if "writable" in raw:
        if not isinstance(raw["writable"], bool):
            _fail(f"{path}.writable", "must be true or false")
        rule["writable"] = raw["writable"]
    if "readback" in raw:
        _strict(f"{path}.readback", raw["readback"], ("tolerance",))
        if "tolerance" not in raw["readback"]:
            _fail(f"{path}.readback.tolerance", "is missing")
        tolerance = _number(f"{path}.readback.tolerance", raw["readback"]["tolerance"])
        if tolerance < 0:
            _fail(f"{path}.readback.tolerance", "must be 0 or more")
        rule["readback"] = {"tolerance": tolerance}
    if not any(k in rule for k in ("tools", "classes", "devices")):
        _fail(path, "needs tools, classes or devices to say what it covers")
    numeric = any(k in rule for k in ("hard", "soft", "max_step", "approval_step", "readback"))
    if numeric and "settings" not in rule:
        _fail(
            f"{path}.settings",
            "hard, soft, max_step, approval_step and readback need the settings they limit",
        )
    return rule


def _scpi_rule(path, raw):
    # SCPI rules govern raw GPIB messages; a Tango device has none, so the bridge only checks
    # their shape (the launcher has compiled `match` as a JavaScript regular expression).
    _strict(path, raw, _SCPI_KEYS)
    for key in ("name", "match"):
        if key not in raw:
            _fail(f"{path}.{key}", "is missing")
    rule = {
        "name": _text(f"{path}.name", raw["name"]),
        "match": _text(f"{path}.match", raw["match"]),
    }
    if "model" in raw:
        rule["model"] = _text(f"{path}.model", raw["model"])
    if "action" in raw:
        if raw["action"] not in ("allow", "approve", "deny"):
            _fail(f"{path}.action", 'must be "allow", "approve" or "deny"')
        rule["action"] = raw["action"]
    if "value" in raw:
        value = raw["value"]
        _strict(f"{path}.value", value, ("argument", "hard", "soft"))
        argument = value.get("argument", 0)
        if not _is_integer(argument) or argument < 0:
            _fail(f"{path}.value.argument", "must be an integer from 0")
        rule["value"] = {"argument": int(argument)}
        for key in ("hard", "soft"):
            if key in value:
                rule["value"][key] = _bounds(f"{path}.value.{key}", value[key])
    if "action" not in rule and "value" not in rule:
        _fail(path, "needs action, value or both")
    return rule


def validate_policy(raw, path="policy"):
    """The policy with its defaults filled in; raises PolicyError naming the key path."""
    if raw is None:
        return dict(OPEN_POLICY, rules=[], scpi=[])
    _strict(path, raw, _POLICY_KEYS)
    writes = raw.get("writes", "allow")
    if writes not in WRITES:
        _fail(f"{path}.writes", 'must be "allow", "approve" or "deny"')
    timeout = raw.get("approval_timeout_s", 300)
    if not _is_integer(timeout) or not 5 <= timeout <= 86_400:
        _fail(f"{path}.approval_timeout_s", "must be an integer from 5 to 86400 (seconds)")
    rules = raw.get("rules", [])
    if not isinstance(rules, list):
        _fail(f"{path}.rules", "must be a list")
    scpi = raw.get("scpi", [])
    if not isinstance(scpi, list):
        _fail(f"{path}.scpi", "must be a list")
    return {
        "writes": writes,
        "approval_timeout_s": int(timeout),
        "rules": [_rule(f"{path}.rules[{i}]", r) for i, r in enumerate(rules)],
        "scpi": [_scpi_rule(f"{path}.scpi[{i}]", r) for i, r in enumerate(scpi)],
    }


# ---------------------------------------------------------------- matching


def _glob_regex(glob, ignore_case):
    pattern = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob)
    flags = (re.IGNORECASE | re.DOTALL) if ignore_case else re.DOTALL
    return re.compile(f"^{pattern}$", flags)


class Rule:
    """One rule, its globs compiled: method names exactly (labrelay's names), Tango class and
    device names case-insensitively (Tango's own names are)."""

    def __init__(self, spec):
        self.spec = spec
        self.name = spec["name"]
        self.tools = [_glob_regex(g, False) for g in spec.get("tools", [])] or None
        self.classes = [_glob_regex(g, True) for g in spec.get("classes", [])] or None
        self.devices = [_glob_regex(g, True) for g in spec.get("devices", [])] or None
        self.settings = spec.get("settings")
        self.when = spec.get("when") or {}

    def applies(self, call):
        if self.tools and not any(g.match(call.method) for g in self.tools):
            return False
        if self.classes and not any(g.match(call.class_name) for g in self.classes):
            return False
        if self.devices and not any(g.match(call.device) for g in self.devices):
            return False
        for key, value in self.when.items():
            if key not in call.params or not _equal(call.params[key], value):
                return False
        return not self.settings or any(call.find(s) is not None for s in self.settings)

    def written(self, call):
        """[(name, value)] of the settings this rule limits that the call writes."""
        out = []
        for setting in self.settings or ():
            found = call.find(setting)
            if found is not None and found not in out:
                out.append(found)
        return out


def _equal(a, b):
    # JavaScript's ===: true is not 1, 1 is 1.0.
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if _is_number(a) and _is_number(b):
        return a == b
    return type(a) is type(b) and a == b


class Call:
    """One write as the policy sees it: the method, the Tango device and class, the params, and
    the settings it writes: [(name, value, case_insensitive)] — an attribute write writes the
    attribute (Tango names are case-insensitive), a command its argument, under its name."""

    def __init__(self, *, method, device, class_name, params, settings):
        self.method = method
        self.device = device
        self.class_name = class_name
        self.params = params
        self.settings = settings

    @property
    def what(self):
        return f"{self.device} {self.method}"

    def find_in(self, rule, name):
        """Whether `rule` limits the written setting `name`."""
        return any(found == name for found, _ in rule.written(self))

    def find(self, setting):
        """(name, value) of the written setting a rule names, or None."""
        for name, value, case_insensitive in self.settings:
            if name == setting or (case_insensitive and name.lower() == setting.lower()):
                return (name, value)
        return None


class Policy:
    """The validated policy, its rules compiled."""

    def __init__(self, spec):
        self.spec = spec
        self.writes = spec["writes"]
        self.approval_timeout_s = spec["approval_timeout_s"]
        self.rules = [Rule(r) for r in spec["rules"]]

    def rules_for(self, call):
        """The rules that cover a call: every selector matches and it writes what they limit."""
        return [r for r in self.rules if r.applies(call)]


# ---------------------------------------------------------------- findings


class Finding:
    """One rule's objection: "refuse", or "approve" (a person must)."""

    __slots__ = ("rule", "level", "message", "setting", "value", "limit")

    def __init__(self, rule, level, message, setting=None, value=None, limit=None):
        self.rule = rule
        self.level = level
        self.message = message
        self.setting = setting
        self.value = value
        self.limit = limit


def settings_to_read(rules, call):
    """The names of the written settings whose present value the step rules need."""
    wanted = []
    for rule in rules:
        if "max_step" in rule.spec or "approval_step" in rule.spec:
            for name, _ in rule.written(call):
                if name not in wanted:
                    wanted.append(name)
    return wanted


def _fmt(value):
    return js_number(value) if _is_number(value) else js_stringify(value)


def _outside(value, bounds, tier):
    if not bounds:
        return None
    if "max" in bounds and value > bounds["max"]:
        return f"above the{tier} maximum {_fmt(bounds['max'])}", bounds["max"]
    if "min" in bounds and value < bounds["min"]:
        return f"below the{tier} minimum {_fmt(bounds['min'])}", bounds["min"]
    return None


def _numbers(value):
    """The numbers a value holds for the limits: itself, or each element of a numeric array
    (a SPECTRUM or IMAGE attribute); None when it is not numeric."""
    if _is_number(value):
        return [value]
    if isinstance(value, list):
        flat = []
        for item in value:
            inner = _numbers(item)
            if inner is None:
                return None
            flat.extend(inner)
        return flat
    return None


def _first_outside(value, numbers, bounds, tier):
    """(the value, or the array's first element, outside the bounds; phrase; limit) or None."""
    for number in numbers:
        out = _outside(number, bounds, tier)
        if out:
            return (value if _is_number(value) else number, out[0], out[1])
    return None


def evaluate(rules, call, present):
    """Every objection the rules raise to a call (worker/safety/rules.ts), given the present
    values ({name: number or None}) of the settings the step rules read."""
    findings = []
    what = call.what
    for rule in rules:
        spec = rule.spec
        named = f'rule "{rule.name}"'
        if spec.get("writable") is False:
            findings.append(
                Finding(
                    rule.name, "refuse", f"{what} is not writable under {named}; nothing was sent"
                )
            )
        if spec.get("approval") == "always":
            findings.append(
                Finding(rule.name, "approve", f"{what} needs a person's approval under {named}")
            )
        limited = any(k in spec for k in ("hard", "soft", "max_step", "approval_step"))
        for setting, value in rule.written(call):
            numbers = _numbers(value)
            if numbers is None:
                if limited:
                    # Fail closed: a limit the bridge cannot check is not passed.
                    findings.append(
                        Finding(
                            rule.name,
                            "refuse",
                            f"{what}: {setting} {_short(value)} is not a number, so the limits of "
                            f"{named} cannot be checked; nothing was sent",
                            setting,
                        )
                    )
                continue
            hard = _first_outside(value, numbers, spec.get("hard"), " hard")
            if hard:
                shown, phrase, limit = hard
                findings.append(
                    Finding(
                        rule.name,
                        "refuse",
                        f"{what}: {setting} {_fmt(shown)} is {phrase} of {named}; nothing was sent",
                        setting,
                        shown,
                        limit,
                    )
                )
                continue
            soft = _first_outside(value, numbers, spec.get("soft"), " soft")
            if soft:
                shown, phrase, limit = soft
                before = present.get(setting) if shown is value else None
                findings.append(
                    Finding(
                        rule.name,
                        "approve",
                        f"{what}: {setting} {_from_to(before, shown)} is {phrase} of {named}",
                        setting,
                        shown,
                        limit,
                    )
                )
        if "max_step" in spec or "approval_step" in spec:
            findings.extend(_steps(rule, call, present, what))
    return findings


def _steps(rule, call, present, what):
    """The change from the present value: the distance over the rule's settings (one setting:
    |Δ|). A present value that cannot be read fails closed: refused under max_step, approval
    under approval_step; so does a value that is not one number."""
    spec = rule.spec
    written = rule.written(call)
    named = f'rule "{rule.name}"'
    level = "refuse" if "max_step" in spec else "approve"
    tail = "; nothing was sent" if "max_step" in spec else ""
    unknown = [name for name, _ in written if present.get(name) is None]
    if unknown:
        return [
            Finding(
                rule.name,
                level,
                f"{what}: the present {', '.join(unknown)} cannot be read, so the step limit of "
                f"{named} cannot be checked{tail}",
            )
        ]
    odd = [name for name, value in written if not _is_number(value)]
    if odd:
        return [
            Finding(
                rule.name,
                level,
                f"{what}: {', '.join(odd)} is not one number, so the step limit of {named} "
                f"cannot be checked{tail}",
            )
        ]
    distance = math.hypot(*(value - present[name] for name, value in written))
    moves = ", ".join(f"{name} {_fmt(present[name])} → {_fmt(value)}" for name, value in written)
    d = _fmt(math.floor(distance * 1e6 + 0.5) / 1e6)
    setting = ",".join(name for name, _ in written)
    if "max_step" in spec and distance > spec["max_step"]:
        return [
            Finding(
                rule.name,
                "refuse",
                f"{what}: a step of {d} ({moves}) is larger than the maximum step "
                f"{_fmt(spec['max_step'])} of {named}; nothing was sent — change it in smaller "
                "steps",
                setting,
                limit=spec["max_step"],
            )
        ]
    if "approval_step" in spec and distance > spec["approval_step"]:
        return [
            Finding(
                rule.name,
                "approve",
                f"{what}: a step of {d} ({moves}) is larger than {_fmt(spec['approval_step'])}, "
                f"which needs a person's approval under {named}",
                setting,
                limit=spec["approval_step"],
            )
        ]
    return []


def _from_to(present, value):
    return _fmt(value) if present is None else f"{_fmt(present)} → {_fmt(value)}"


def _short(value):
    text = _fmt(value)
    return text if len(text) <= 60 else text[:57] + "..."


# ---------------------------------------------------------------- the verdict


class Verdict:
    """What the policy says about one call that may go ahead: the rules that cover it, what a
    person must approve, and the present values read."""

    def __init__(self, rules, asks, present):
        self.rules = rules
        self.asks = asks  # [Finding] a person must approve (none once granted)
        self.present = present

    @property
    def approvals(self):
        """[{rule, message}], one per rule, as an approval record lists them."""
        out = {}
        for f in self.asks:
            out.setdefault(f.rule, {"rule": f.rule, "message": f.message})
        return list(out.values())


def check(policy, call, read_present, grant=None):
    """The Verdict for a write, or raises REFUSED (worker/safety/policy-gate.ts check). The lab's
    state is checked before this. `read_present(name)` reads a setting's present value (a number
    or None); `grant` is the approval already given: it covers the rules it named."""
    rules = policy.rules_for(call)
    present = {name: read_present(name) for name in settings_to_read(rules, call)}
    findings = evaluate(rules, call, present)
    if policy.writes == "deny":
        findings.append(
            Finding(
                "policy.writes: deny",
                "refuse",
                f"{call.method} was not run: this lab is read-only (policy.writes: deny)",
            )
        )
    elif policy.writes == "approve":
        findings.append(
            Finding(
                "policy.writes: approve",
                "approve",
                f"{call.method} needs a person's approval: every write does "
                "(policy.writes: approve)",
            )
        )
    refusal = next((f for f in findings if f.level == "refuse"), None)
    if refusal is not None:
        data = {"rule": refusal.rule}
        if refusal.setting is not None:
            data["setting"] = refusal.setting
        if refusal.value is not None:
            data["value"] = refusal.value
        if refusal.limit is not None:
            data["limit"] = refusal.limit
        raise WireError("REFUSED", refusal.message, data)
    asks = [f for f in findings if f.level == "approve"]
    if grant is not None:
        uncovered = [f for f in asks if f.rule not in grant.rule_names]
        if uncovered:
            # The instrument moved on while a person decided: what they approved is not this.
            names = ", ".join(f'"{f.rule}"' for f in uncovered)
            raise WireError(
                "REFUSED",
                f"{call.method} was not run: since approval {grant.id} was given it also needs "
                f"{names} ({uncovered[0].message}); ask again",
                {"rule": uncovered[0].rule},
            )
        asks = []
    if asks:
        # For the person: present → new for each limited setting, as far as it can be read.
        limited = [name for r in rules for name, value in r.written(call) if _is_number(value)]
        unread = [name for name in dict.fromkeys(limited) if name not in present]
        if unread:
            for name in unread:
                present[name] = read_present(name)
            posture = [f for f in asks if f.rule == "policy.writes: approve"]
            asks = [f for f in evaluate(rules, call, present) if f.level == "approve"] + posture
    return Verdict(rules, asks, present)


def summary(call, asks):
    """One line for a person: the device, the call, and what the rules say (present → new)."""
    return f"{call.device}: {call.method} {_compact(call.params)} — " + "; ".join(
        f.message for f in asks
    )


def _compact(params):
    text = js_stringify(params)
    return text if len(text) <= 200 else text[:197] + "..."
