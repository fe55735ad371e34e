/**
 * Where a component writes its log lines. The launcher builds one that writes to stderr —
 * never stdout, which is the MCP wire in stdio mode — and hands it to the worker and frontend.
 */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}
