import { spawnSync } from 'node:child_process';

/**
 * A Python interpreter that can import the given modules. The Debian packages (python3-zmq,
 * python3-numpy) install into the system interpreter, which a pyenv `python3` earlier on PATH
 * may shadow, so both are tried. Throws with the fix when none has them: these tests never skip.
 */
export function pythonWith(...modules: string[]): string {
  const check = `import ${modules.join(', ')}`;
  for (const candidate of ['python3', '/usr/bin/python3']) {
    if (spawnSync(candidate, ['-c', check], { stdio: 'ignore' }).status === 0) return candidate;
  }
  const packages = modules.map((m) => `python3-${m}`).join(' ');
  throw new Error(
    `no python3 with ${modules.join(' and ')} found: apt-get install -y ${packages} (.ci/run does)`,
  );
}

/** A Python interpreter that can `import zmq`. */
export function pythonWithZmq(): string {
  return pythonWith('zmq');
}
