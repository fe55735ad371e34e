/**
 * Python's keywords (`keyword.kwlist`, 3.8 to 3.13). EAA's MCPTool turns every input property of
 * every listed tool into an `inspect.Parameter`, which refuses a keyword or a non-identifier:
 * one such name (`class`) and the whole MCPTool fails to build. test/protocol checks this list
 * against the interpreter's own.
 */
export const PYTHON_KEYWORDS: ReadonlySet<string> = new Set([
  'False',
  'None',
  'True',
  'and',
  'as',
  'assert',
  'async',
  'await',
  'break',
  'class',
  'continue',
  'def',
  'del',
  'elif',
  'else',
  'except',
  'finally',
  'for',
  'from',
  'global',
  'if',
  'import',
  'in',
  'is',
  'lambda',
  'nonlocal',
  'not',
  'or',
  'pass',
  'raise',
  'return',
  'try',
  'while',
  'with',
  'yield',
]);

// ASCII only: Python accepts more identifiers, but other clients bind names too, and a name a
// person can type is worth more than a faithful accent.
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** True when a Python client can bind the name as a keyword argument. */
export function isPythonParameterName(name: string): boolean {
  return IDENTIFIER.test(name) && !PYTHON_KEYWORDS.has(name);
}

/**
 * The name a tool argument is listed under when its natural name (a plugin's field, a Tango
 * command's `:param NAME:`) cannot be bound in Python: characters other than letters, digits
 * and _ become _, a leading digit gets `p_` before it, and a keyword gets PEP 8's trailing _
 * (`class` → `class_`, `gate-ms` → `gate_ms`, `2theta` → `p_2theta`). A safe name is returned
 * as it is. worker/tango/labrelay_tango/python_names.py applies the same rule.
 */
export function pythonParameterName(natural: string): string {
  if (isPythonParameterName(natural)) return natural;
  let name = natural.replace(/[^A-Za-z0-9_]+/g, '_');
  if (!/^[A-Za-z_]/.test(name)) name = `p_${name}`;
  if (PYTHON_KEYWORDS.has(name)) name = `${name}_`;
  return name;
}

/**
 * Safe names for a set of natural names, unique among themselves: a second name that would
 * become an existing one gets more trailing _. Returns natural → listed; identical when every
 * name was safe already.
 */
export function pythonParameterNames(naturals: readonly string[]): Map<string, string> {
  const listed = new Map<string, string>();
  const taken = new Set(naturals.filter(isPythonParameterName));
  for (const natural of naturals) {
    if (isPythonParameterName(natural)) {
      listed.set(natural, natural);
      continue;
    }
    let name = pythonParameterName(natural);
    while (taken.has(name)) name += '_';
    taken.add(name);
    listed.set(natural, name);
  }
  return listed;
}
