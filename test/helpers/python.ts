import { spawnSync } from 'node:child_process';

/**
 * A Python interpreter that can `import zmq`. The Debian package python3-zmq installs into the
 * system interpreter, which a pyenv `python3` earlier on PATH may shadow, so both are tried.
 * Throws with the fix when none has it: the pyzmq tests never skip.
 */
export function pythonWithZmq(): string {
  for (const candidate of ['python3', '/usr/bin/python3']) {
    if (spawnSync(candidate, ['-c', 'import zmq'], { stdio: 'ignore' }).status === 0)
      return candidate;
  }
  throw new Error('no python3 with pyzmq found: apt-get install -y python3-zmq (.ci/run does)');
}
