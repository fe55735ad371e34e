import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startWorkerProcess } from '../helpers/lab.js';
import { ROOT, stopAllProcesses } from '../helpers/labrelay-process.js';
import { pythonWithZmq } from '../helpers/python.js';

// The README's examples are run as they are written, so the README stays true.
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const blocks = (lang: string) =>
  [...readme.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);

let worker: Awaited<ReturnType<typeof startWorkerProcess>>;
beforeAll(async () => {
  worker = await startWorkerProcess();
});
afterAll(stopAllProcesses);

it('the Python pyzmq example talks to a worker', () => {
  const [example] = blocks('python');
  expect(example).toContain('tcp://127.0.0.1:5555');
  const script = example.replace('tcp://127.0.0.1:5555', worker.workerEndpoint);
  const run = spawnSync(pythonWithZmq(), ['-c', script], { encoding: 'utf8', timeout: 10_000 });
  expect(run.stderr).toBe('');
  const lines = run.stdout.trim().split('\n');
  expect(lines[0]).toBe("health ok {'status': 'ok'}");
  expect(lines[1]).toMatch(/^describe ok \{'protocol': 'labrelay\/1'/);
});

it('every JSON client config in the README parses', () => {
  const configs = blocks('json').map((text) => JSON.parse(text));
  expect(configs.length).toBeGreaterThanOrEqual(2);
  expect(configs).toContainEqual({
    mcpServers: { labrelay: { url: 'http://127.0.0.1:8050/mcp', transport: 'http' } },
  });
});

it('every YAML config example is a valid config', () => {
  const examples = blocks('yaml');
  expect(examples.length).toBeGreaterThanOrEqual(4);
  examples.forEach((yaml, i) => {
    const file = join(worker.dataDir, `readme-${i}.yaml`);
    writeFileSync(file, yaml);
    const check = spawnSync(
      process.execPath,
      [join(ROOT, 'dist/launcher/main.js'), 'check-config', file],
      { encoding: 'utf8' },
    );
    expect(check.stderr, `YAML block ${i + 1}`).toBe('');
    expect(check.status).toBe(0);
  });
});
