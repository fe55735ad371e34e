import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BRIDGE_DIR, pythonWithTango } from '../helpers/tango.js';

/*
 * The type conversions TangoTest cannot exercise (it has no DevEncoded command, no DevEnum
 * attribute, and writing an image crashes it), run in the bridge's own Python on values shaped
 * as PyTango hands them over.
 */
function python(script: string): unknown {
  const run = spawnSync(pythonWithTango(), ['-c', script], {
    env: { ...process.env, PYTHONPATH: BRIDGE_DIR, PYTHONDONTWRITEBYTECODE: '1' },
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`python failed:\n${run.stderr}`);
  return JSON.parse(run.stdout);
}

const PRELUDE = `
import json, numpy as np
from labrelay_tango.tango_types import *
from labrelay_tango.tango_types import Issue
def check(t, value):
    issues = []
    out = t.check(value, ["v"], issues)
    return {"ok": out, "issues": [[i.path, i.message] for i in issues]} if issues else {"ok": out}
def jsonable(x):
    if isinstance(x, bytes): return {"bytes": list(x)}
    if isinstance(x, tuple): return [jsonable(i) for i in x]
    return x
`;

describe('DevEncoded', () => {
  it('becomes {encoding: base64, metadata (parsed when JSON), payload}, and back', () => {
    const out = python(
      PRELUDE +
        `
t = command_type(28)
print(json.dumps({
  "json": t.to_json(('{"shape":[2,2],"dtype":"uint8"}', b"\\x00\\x01\\xff\\x10")),
  "text": t.to_json((b"jpeg", bytearray(b"\\xff\\xd8"))),
  "numpy": t.to_json(("raw", np.array([1, 2], dtype=np.uint16))),
  "latin1": t.to_json(("raw", "\\xff\\x00")),
  "in": jsonable(check(t, {"metadata": {"a": 1}, "payload": "AAH/EA=="})["ok"]),
  "bad": check(t, {"metadata": "m", "payload": "not base64!"}),
  "schema": t.schema(),
}))`,
    );
    expect(out).toEqual({
      json: {
        encoding: 'base64',
        metadata: { shape: [2, 2], dtype: 'uint8' },
        payload: 'AAH/EA==',
      },
      text: { encoding: 'base64', metadata: 'jpeg', payload: '/9g=' },
      numpy: { encoding: 'base64', metadata: 'raw', payload: 'AQACAA==' },
      latin1: { encoding: 'base64', metadata: 'raw', payload: '/wA=' },
      in: ['{"a":1}', { bytes: [0, 1, 255, 16] }],
      bad: { ok: null, issues: [[['v', 'payload'], 'Expected base64 text (RFC 4648, padded)']] },
      schema: expect.objectContaining({ type: 'object', required: ['metadata', 'payload'] }),
    });
  });
});

describe('attribute types', () => {
  it('DevEnum attributes are their labels, sent as the label’s index', () => {
    const out = python(
      PRELUDE +
        `
t = attribute_type(29, "SCALAR", enum_labels=["Off", "Standby", "On"])
print(json.dumps({"schema": t.schema(), "read": t.to_json(2), "write": check(t, "Standby"),
                  "bad": check(t, "Maybe"), "number": check(t, 1)}))`,
    );
    expect(out).toEqual({
      schema: { type: 'string', enum: ['Off', 'Standby', 'On'] },
      read: 'On',
      write: { ok: 1 },
      bad: {
        ok: null,
        issues: [[['v'], 'Invalid option: expected one of "Off", "Standby", "On" (DevEnum)']],
      },
      number: {
        ok: null,
        issues: [[['v'], 'Expected one of "Off", "Standby", "On" (DevEnum), received a number']],
      },
    });
  });

  it('narrows numbers to the attribute’s min_value / max_value', () => {
    const out = python(
      PRELUDE +
        `
d = attribute_type(5, "SCALAR", min_value=limit("0"), max_value=limit("2.5"))
s = attribute_type(2, "SPECTRUM", min_value=limit("-10.5"), max_value=limit("Not specified"), max_dim_x=3)
print(json.dumps({"double": d.schema(), "short": s.schema(), "over": check(d, 3),
                  "inside": check(d, 2.5), "many": check(s, [1, 2, 3, 4]), "low": check(s, [-11])}))`,
    );
    expect(out).toEqual({
      double: { type: 'number', minimum: 0, maximum: 2.5 },
      short: {
        type: 'array',
        items: { type: 'integer', minimum: -10, maximum: 32767 },
        maxItems: 3,
      },
      over: {
        ok: null,
        issues: [[['v'], 'Out of range: expected a number from 0 to 2.5 (DevDouble)']],
      },
      inside: { ok: 2.5 },
      many: { ok: null, issues: [[['v'], 'Too many items: 4; at most 3 (DevShort)']] },
      low: {
        ok: null,
        issues: [[['v', 0], 'Out of range: expected an integer from -10 to 32767 (DevShort)']],
      },
    });
  });

  it('images are rectangular arrays of rows; numpy images come back as nested lists', () => {
    const out = python(
      PRELUDE +
        `
t = attribute_type(3, "IMAGE", max_dim_x=4, max_dim_y=4)
print(json.dumps({"ok": check(t, [[1, 2], [3, 4]]), "ragged": check(t, [[1, 2], [3]]),
                  "read": t.to_json(np.arange(6, dtype=np.int32).reshape(2, 3)),
                  "strings": attribute_type(8, "IMAGE").to_json((("a", "b"), ("c", "d")))}))`,
    );
    expect(out).toEqual({
      ok: {
        ok: [
          [1, 2],
          [3, 4],
        ],
      },
      ragged: {
        ok: null,
        issues: [
          [
            ['v'],
            'Rows must all have the same length (a Tango image is rectangular): row 0 has 2, row 1 has 1',
          ],
        ],
      },
      read: [
        [0, 1, 2],
        [3, 4, 5],
      ],
      strings: [
        ['a', 'b'],
        ['c', 'd'],
      ],
    });
  });
});

describe('scalars', () => {
  it('accepts 3.0 as an integer, refuses fractions, booleans as numbers, and non-finite numbers', () => {
    const out = python(
      PRELUDE +
        `
i = command_type(2); f = command_type(5)
print(json.dumps({"three": check(i, 3.0), "frac": check(i, 2.5), "bool": check(i, True),
                  "inf": check(f, float("inf")), "big": check(f, 10**400), "state": command_type(19).to_json(10),
                  "uint64": str(command_type(26).to_json(np.array([2**64 - 1], dtype=np.uint64)))}))`,
    );
    expect(out).toEqual({
      three: { ok: 3 },
      frac: {
        ok: null,
        issues: [[['v'], 'Expected an integer from -32768 to 32767 (DevShort), received 2.5']],
      },
      bool: {
        ok: null,
        issues: [
          [['v'], 'Expected an integer from -32768 to 32767 (DevShort), received a boolean'],
        ],
      },
      inf: {
        ok: null,
        issues: [[['v'], 'Expected a finite number (DevDouble), received Infinity']],
      },
      big: {
        ok: null,
        issues: [[['v'], 'Expected a finite number (DevDouble), received Infinity']],
      },
      state: 'RUNNING',
      // Exact, as Python's int (JSON.parse here would round it).
      uint64: '[18446744073709551615]',
    });
  });

  it('reports a device value JSON cannot carry as DEVICE_ERROR, naming where', () => {
    const out = python(`
import json
from labrelay_tango.calls import _encode
from labrelay_tango.errors import WireError
from labrelay_tango.json_text import find_non_json, js_number
try:
    _encode("TangoTest_get_double_spectrum", {"value": [1.0, float("nan")]})
    refused = None
except WireError as err:
    refused = [err.code, err.message, err.data]
print(json.dumps([find_non_json({"a": [1.0, float("nan")]}), find_non_json(-float("inf")),
                  js_number(2.0), js_number(1e21), js_number(1e-7), refused]))`);
    expect(out).toEqual([
      'result.a[1] is NaN',
      'result is -Infinity',
      '2',
      '1e+21',
      '1e-7',
      [
        'DEVICE_ERROR',
        'TangoTest_get_double_spectrum: the device answered a number JSON cannot carry ' +
          '(result.value[1] is NaN); it has no valid value there',
        { where: 'result.value[1] is NaN' },
      ],
    ]);
  });
});

describe('discovery with a Tango database', () => {
  // PyTango 9.3's own database server does not start here, so tango.Database is stood in for.
  it('serves every exported device but the admin ones, through tango_host', () => {
    const out = python(`
import json, tango
from labrelay_tango.discovery import Discovery, parse_target
class FakeDatabase:
    def __init__(self, *args): self.args = args
    def get_device_exported(self, pattern):
        class Datum: value_string = ["dserver/TangoTest/test", "sys/tg_test/1", "DServer/Other/x", "lab/stage/1"]
        return Datum()
tango.Database = FakeDatabase
d = Discovery(proxies=None, devices=[], tango_host="db.lab:10000", rediscover_s=0,
              blocked_class=lambda c: False, log=None, on_change=None)
print(json.dumps({"targets": [[t.name, t.url, t.origin] for t in d._candidates()],
                  "bare": list(parse_target("sys/tg_test/1", "db.lab:10000").__dict__.values()),
                  "url": list(parse_target("tango://h:1/a/b/c#dbase=no", None).__dict__.values())}))`);
    expect(out).toEqual({
      targets: [
        ['sys/tg_test/1', 'tango://db.lab:10000/sys/tg_test/1', 'tango:db.lab:10000'],
        ['lab/stage/1', 'tango://db.lab:10000/lab/stage/1', 'tango:db.lab:10000'],
      ],
      bare: ['sys/tg_test/1', 'tango://db.lab:10000/sys/tg_test/1', 'tango:db.lab:10000'],
      url: ['a/b/c', 'tango://h:1/a/b/c#dbase=no', 'tango:h:1'],
    });
  });
});

describe('argument names', () => {
  it("lists a command's :param name Python cannot bind under its safe name (EAA's MCPTool binds every one)", () => {
    const out = python(`
import json
from labrelay_tango.tools import param_name
print(json.dumps([param_name(d, several) for d, several in [
    (":param in: the value", False),
    (":param lambda: a factor", False),
    ("@param 2theta: an angle", False),
    (":param volts: the output", False),
    (":param device: which", True),
    ("no documented name", False),
]]))
`);
    expect(out).toEqual(['in_', 'lambda_', 'p_2theta', 'volts', 'arg', 'arg']);
  });
});
