import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { LabrelayProcess, stopAllProcesses } from '../helpers/labrelay-process.js';
import { freePorts } from '../helpers/ports.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
afterAll(stopAllProcesses);

it('npm pack yields a package whose binary runs on plain Node, without TypeScript tooling', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'labrelay-pack-'));
  execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir, '--silent'], {
    cwd: ROOT,
    stdio: 'ignore',
  });
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
  const files = execFileSync('tar', ['tzf', join(dir, tarball)], { encoding: 'utf8' }).split('\n');
  expect(files).toContain('package/dist/launcher/main.js');
  // The Tango bridge ships as Python source beside dist/, where the launcher looks for it.
  expect(files).toContain('package/worker/tango/labrelay_tango/__main__.py');
  expect(files.some((f) => f.includes('__pycache__'))).toBe(false);
  expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  expect(files.some((f) => f.startsWith('package/dist/test/'))).toBe(false);

  const app = join(dir, 'app');
  execFileSync('mkdir', [app]);
  writeFileSync(join(app, 'package.json'), '{"name":"app","private":true}');
  execFileSync(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', join(dir, tarball)],
    {
      cwd: app,
      stdio: 'ignore',
    },
  );
  // Production install only: no typescript, tsx or vitest anywhere.
  for (const dev of ['typescript', 'tsx', 'vitest']) {
    expect(readdirSync(join(app, 'node_modules'))).not.toContain(dev);
  }
  const bin = join(app, 'node_modules', '.bin', 'labrelay');
  expect(spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.trim()).toMatch(
    /^\d+\.\d+\.\d+/,
  );

  // The installed binary runs a worker that answers `labrelay call`.
  const [port, events] = await freePorts(2);
  const config = join(dir, 'lab.yaml');
  writeFileSync(
    config,
    `worker:\n  bind: tcp://127.0.0.1:${port}\n  events_endpoint: tcp://127.0.0.1:${events}\n  data_dir: ${dir}\n`,
  );
  const worker = LabrelayProcess.spawnCommand(bin, ['worker', '--config', config]);
  await worker.waitFor(/worker ready/);
  const call = spawnSync(bin, ['call', 'health', '--config', config], {
    encoding: 'utf8',
    cwd: app,
  });
  expect(JSON.parse(call.stdout)).toMatchObject({ status: 'ok', result: { status: 'ok' } });
  await worker.stop();
}, 120_000);
