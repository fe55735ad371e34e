import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  PYTHON_KEYWORDS,
  isPythonParameterName,
  pythonParameterName,
  pythonParameterNames,
} from '../../protocol/index.js';
import { ROOT } from '../helpers/labrelay-process.js';
import { pythonWith } from '../helpers/python.js';

const NAMES = ['volts', '_x', 'class', 'from', 'None', 'gate-ms', '2theta', 'x y', 'λ', '', 'in_'];

describe('argument names a Python client can bind', () => {
  it("keeps the interpreter's own keyword list", () => {
    const python = pythonWith('keyword');
    const out = spawnSync(python, [
      '-c',
      'import json, keyword; print(json.dumps(keyword.kwlist))',
    ]);
    expect([...PYTHON_KEYWORDS].sort()).toEqual(JSON.parse(out.stdout.toString()).sort());
  });

  it.each([
    ['volts', 'volts'],
    ['_x', '_x'],
    ['class', 'class_'],
    ['from', 'from_'],
    ['None', 'None_'],
    ['gate-ms', 'gate_ms'],
    ['2theta', 'p_2theta'],
    ['x y', 'x_y'],
    ['λ', '_'],
    ['', 'p_'],
  ])('%j is listed as %j', (natural, listed) => {
    expect(pythonParameterName(natural)).toBe(listed);
    expect(isPythonParameterName(listed)).toBe(true);
  });

  it('keeps safe names and makes renamed ones unique among the rest', () => {
    const listed = pythonParameterNames(['in', 'in_', 'in-']);
    expect([...listed]).toEqual([
      ['in', 'in__'],
      ['in_', 'in_'],
      ['in-', 'in___'],
    ]);
  });

  it("is the Tango bridge's rule too, character for character", () => {
    const python = pythonWith('keyword');
    const out = spawnSync(
      python,
      [
        '-c',
        'import json, sys; from labrelay_tango.python_names import python_parameter_name as f; ' +
          'print(json.dumps([f(n) for n in json.loads(sys.argv[1])]))',
        JSON.stringify(NAMES),
      ],
      { env: { ...process.env, PYTHONPATH: join(ROOT, 'worker', 'tango') } },
    );
    expect(out.stderr.toString()).toBe('');
    expect(JSON.parse(out.stdout.toString())).toEqual(NAMES.map(pythonParameterName));
  });
});
