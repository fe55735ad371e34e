"""Argument names a Python client can bind. EAA's MCPTool turns every input property of every
listed tool into an `inspect.Parameter`; a keyword (`in`, `from`) or a non-identifier (`2theta`,
`gate-ms`) there and the whole MCPTool fails to build. The rule is protocol/python-names.ts's,
character for character; test/tango checks the two agree."""

import keyword
import re

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_UNSAFE_RUN = re.compile(r"[^A-Za-z0-9_]+")


def is_python_parameter_name(name):
    """True when a Python client can bind the name as a keyword argument."""
    return bool(_IDENTIFIER.match(name)) and not keyword.iskeyword(name)


def python_parameter_name(natural):
    """Characters other than letters, digits and _ become _, a leading digit gets `p_` before it,
    a keyword gets PEP 8's trailing _; a safe name is returned as it is."""
    if is_python_parameter_name(natural):
        return natural
    name = _UNSAFE_RUN.sub("_", natural)
    if not re.match(r"^[A-Za-z_]", name):
        name = "p_" + name
    if keyword.iskeyword(name):
        name += "_"
    return name
