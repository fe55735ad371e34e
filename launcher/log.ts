import type { Logger } from '../protocol/index.js';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
/** A log level name. */
export type LogLevel = keyof typeof LEVELS;

/**
 * A logger that writes one line per event to stderr:
 * `2026-11-24T10:00:00.000Z worker info worker ready endpoint=tcp://127.0.0.1:5555`.
 * Never stdout: in stdio mode stdout carries the MCP protocol.
 */
export function createLogger(
  component: string,
  level: LogLevel = envLevel(),
  write: (line: string) => void = (line) => process.stderr.write(line),
): Logger {
  const threshold = LEVELS[level];
  const emit = (lvl: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    if (LEVELS[lvl] < threshold) return;
    let line = `${new Date().toISOString()} ${component} ${lvl} ${message}`;
    for (const [key, value] of Object.entries(fields ?? {})) {
      line += ` ${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`;
    }
    write(line + '\n');
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/** The level from LABRELAY_LOG_LEVEL, else info. */
export function envLevel(): LogLevel {
  const value = process.env.LABRELAY_LOG_LEVEL;
  return value && value in LEVELS ? (value as LogLevel) : 'info';
}
