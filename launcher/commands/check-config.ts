import { stringify } from 'yaml';
import { auditLogPath, dataDir, loadConfig } from '../config/load.js';

/** `labrelay check-config FILE`: validates a config and prints it with defaults filled in. */
export function runCheckConfig(file: string): number {
  const loaded = loadConfig(file);
  process.stdout.write(`# ${file} is valid. Effective configuration:\n`);
  process.stdout.write(stringify(loaded.config));
  process.stdout.write(
    `# data_dir: ${dataDir(loaded)}\n# audit log: ${auditLogPath(loaded) ?? 'disabled'}\n`,
  );
  return 0;
}
