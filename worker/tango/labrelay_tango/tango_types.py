"""Which JSON type each Tango type becomes (value_types.py, structured_types.py), for command
arguments and results and for attribute values.

Type numbers are the Tango IDL's CmdArgType values, which are stable across Tango 9 and 10,
so the tables do not depend on how a PyTango version exposes its enums.
"""

import math

from .structured_types import ArrayType, EncodedType, ImageType, PairType
from .value_types import (  # noqa: F401 (re-exported for the rest of the bridge and tests)
    FLOAT32_MAX,
    STATE_NAMES,
    BoolType,
    FloatType,
    IntType,
    Issue,
    LabelType,
    StateType,
    StringType,
    ValueType,
    VoidType,
    kind,
)

#: Descriptions Tango fills in when a device gives none; they say nothing to a model.
EMPTY_DESCRIPTIONS = {"uninitialised", "uninitialized", "none", "", "-", "n/a", "no description"}


def _ints(name, bits, signed):
    if signed:
        return IntType(name, -(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
    return IntType(name, 0, 2**bits - 1)


def _scalar_table():
    return {
        0: VoidType(),
        1: BoolType(),
        2: _ints("DevShort", 16, True),
        3: _ints("DevLong", 32, True),
        4: FloatType("DevFloat", -FLOAT32_MAX, FLOAT32_MAX),
        5: FloatType("DevDouble"),
        6: _ints("DevUShort", 16, False),
        7: _ints("DevULong", 32, False),
        8: StringType(),
        19: StateType(),
        20: StringType("ConstDevString"),
        22: _ints("DevUChar", 8, False),
        23: _ints("DevLong64", 64, True),
        24: _ints("DevULong64", 64, False),
        27: _ints("DevInt", 32, True),
        28: EncodedType(),
    }


#: CmdArgType value → name (Tango IDL).
TYPE_NAMES = {
    0: "DevVoid", 1: "DevBoolean", 2: "DevShort", 3: "DevLong", 4: "DevFloat", 5: "DevDouble",
    6: "DevUShort", 7: "DevULong", 8: "DevString", 9: "DevVarCharArray", 10: "DevVarShortArray",
    11: "DevVarLongArray", 12: "DevVarFloatArray", 13: "DevVarDoubleArray",
    14: "DevVarUShortArray", 15: "DevVarULongArray", 16: "DevVarStringArray",
    17: "DevVarLongStringArray", 18: "DevVarDoubleStringArray", 19: "DevState",
    20: "ConstDevString", 21: "DevVarBooleanArray", 22: "DevUChar", 23: "DevLong64",
    24: "DevULong64", 25: "DevVarLong64Array", 26: "DevVarULong64Array", 27: "DevInt",
    28: "DevEncoded", 29: "DevEnum", 30: "DevPipeBlob", 31: "DevVarStateArray",
}  # fmt: skip

#: DevVar*Array → its element's scalar type number.
_ARRAY_ELEMENTS = {
    9: 22,
    10: 2,
    11: 3,
    12: 4,
    13: 5,
    14: 6,
    15: 7,
    16: 8,
    21: 1,
    25: 23,
    26: 24,
    31: 19,
}


class Unsupported(Exception):
    """A Tango type with no JSON form (DevPipeBlob): its command is not served."""


def type_name(number):
    return TYPE_NAMES.get(number, f"CmdArgType {number}")


def command_type(number):
    """The ValueType of a command's argin or argout type."""
    scalars = _scalar_table()
    if number in scalars:
        return scalars[number]
    if number in _ARRAY_ELEMENTS:
        return ArrayType(TYPE_NAMES[number], scalars[_ARRAY_ELEMENTS[number]])
    if number == 17:
        return PairType("DevVarLongStringArray", "lvalue", scalars[3])
    if number == 18:
        return PairType("DevVarDoubleStringArray", "dvalue", scalars[5])
    if number == 29:
        return _ints("DevEnum", 16, True)  # a command's DevEnum carries no labels
    raise Unsupported(f"{type_name(number)} has no JSON form")


def attribute_type(
    data_type,
    data_format,
    *,
    min_value=None,
    max_value=None,
    enum_labels=(),
    max_dim_x=0,
    max_dim_y=0,
):
    """The ValueType of an attribute's value: its scalar type (narrowed to min/max_value), as a
    scalar, a SPECTRUM array or an IMAGE array of rows."""
    scalars = _scalar_table()
    if data_type == 29:
        element = LabelType("DevEnum", enum_labels) if enum_labels else _ints("DevEnum", 16, True)
    elif data_type in scalars and data_type != 0:
        element = scalars[data_type]
    else:
        raise Unsupported(f"{type_name(data_type)} attributes have no JSON form")
    if isinstance(element, (IntType, FloatType)) and (
        min_value is not None or max_value is not None
    ):
        element = element.narrowed(min_value, max_value)
    if data_format == "SPECTRUM":
        return ArrayType(element.tango, element, max_dim_x or None)
    if data_format == "IMAGE":
        return ImageType(element.tango, element, max_dim_x or None, max_dim_y or None)
    return element


def limit(text):
    """An attribute's min_value / max_value ('Not specified', '0', '2.5') as a number or None."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def meaningful(description):
    """A Tango description, or None when it is one of the placeholders Tango fills in."""
    if description is None:
        return None
    text = " ".join(str(description).split())
    return None if text.lower() in EMPTY_DESCRIPTIONS else text
