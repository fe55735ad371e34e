import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabrelayProcess } from './labrelay-process.js';
import { freePorts } from './ports.js';

/** A labrelay started for one test, on its own ports and data directory. */
export interface Lab {
  process: LabrelayProcess;
  /** MCP URL (HTTP mode). */
  url: string;
  workerEndpoint: string;
  eventsEndpoint: string;
  dataDir: string;
  configPath: string;
  httpPort: number;
}

/** Options for a test lab's config. */
export interface LabOptions {
  /** Delay before the first worker restart. */
  restartDelayMs?: number;
  /** Serve the diag_* methods (default true). */
  diagnostics?: boolean;
  /** YAML appended to the file (inside the launcher section unless it starts a new one). */
  extra?: string;
  /** YAML lines added to the worker section, e.g. `  reply_cache: { entries: 100 }`. */
  worker?: string;
  /** YAML lines added to the frontend section, e.g. `  stdio_max_message_bytes: 0`. */
  frontend?: string;
}

/**
 * Writes a config for a test lab: free ports, a fresh data directory, diagnostics on, and every
 * tool listed (`toolsets: [all]`) unless `frontend` chooses toolsets: most tests call tools by
 * name from the list; the toolset tests choose their own.
 */
export async function labConfig(options: LabOptions = {}): Promise<Omit<Lab, 'process' | 'url'>> {
  const [workerPort, eventsPort, httpPort] = await freePorts(3);
  const dir = mkdtempSync(join(tmpdir(), 'labrelay-test-'));
  const workerEndpoint = `tcp://127.0.0.1:${workerPort}`;
  const eventsEndpoint = `tcp://127.0.0.1:${eventsPort}`;
  const configPath = join(dir, 'labrelay.yaml');
  writeFileSync(
    configPath,
    `worker:
  bind: ${workerEndpoint}
  events_endpoint: ${eventsEndpoint}
  data_dir: ${dir}
  diagnostics: ${options.diagnostics ?? true}
${options.worker ?? ''}
frontend:
  port: ${httpPort}
${options.frontend?.includes('toolsets:') ? '' : '  toolsets: [all]\n'}${options.frontend ?? ''}
launcher:
  restart_initial_delay_ms: ${options.restartDelayMs ?? 100}
${options.extra ?? ''}`,
  );
  return { workerEndpoint, eventsEndpoint, dataDir: dir, configPath, httpPort };
}

/** `labrelay start` over HTTP on fresh ports; resolves once the MCP endpoint is up. */
export async function startLab(args: string[] = [], options: LabOptions = {}): Promise<Lab> {
  const config = await labConfig(options);
  const process = LabrelayProcess.spawn(['start', '--config', config.configPath, ...args]);
  const [, url] = await process.waitFor(/MCP over Streamable HTTP at (\S+)/);
  return { ...config, process, url };
}

/** `labrelay worker` alone on fresh ports; resolves once it is ready. */
export async function startWorkerProcess(options: LabOptions = {}): Promise<Omit<Lab, 'url'>> {
  const config = await labConfig(options);
  const process = LabrelayProcess.spawn(['worker', '--config', config.configPath]);
  await process.waitFor(/worker ready/);
  return { ...config, process };
}

/**
 * The config sections of a lab around one emulated ESP32 AR488 bridge named `bench` on `port`
 * (a test starts the emulator in-process) and the simulated microscope, with attribute tools;
 * `extra` adds sections (a policy, blocks).
 */
export function benchLabSections(port: number, extra: Record<string, unknown> = {}) {
  return {
    gpib: {
      bridges: [
        {
          name: 'bench',
          transport: 'tcp',
          host: '127.0.0.1',
          port,
          firmware: 'esp32',
          inter_command_delay_ms: 0,
        },
      ],
    },
    imaging: { microscope: 'simulated' },
    devices: { attribute_tools: true },
    ...extra,
  };
}
