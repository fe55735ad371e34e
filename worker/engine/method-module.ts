import type * as z from 'zod';
import type {
  ApprovalRecord,
  Catalog,
  DescribeResult,
  Logger,
  MethodSpec,
  PromptSpec,
  ResourceSpec,
} from '../../protocol/index.js';
import type { WriteTarget } from './write-gate.js';

/**
 * What a handler gets besides its params: the request id, an abort signal that fires on cancel,
 * deadline or shutdown, and a way to report progress. Long handlers call `checkpoint()` (or use
 * `sleep`) at every point where stopping leaves the instrument in a consistent state.
 */
export interface OperationContext {
  readonly id: string;
  readonly method: string;
  readonly signal: AbortSignal;
  readonly log: Logger;
  /**
   * Publishes progress for this request; `progress` must increase from call to call. `approval`
   * is the safety gate's: the record of the approval the request waits for.
   */
  progress(progress: number, total?: number, message?: string, approval?: ApprovalRecord): void;
  /** Throws the abort reason (a WorkerError: CANCELLED, TIMEOUT, UNAVAILABLE) if aborted. */
  checkpoint(): void;
  /** Waits, or rejects with the abort reason as soon as the operation is aborted. */
  sleep(ms: number): Promise<void>;
}

/** Implements one method: validated params in, a result matching the declared schema out. */
export type Handler<S extends MethodSpec = MethodSpec> = (
  params: z.output<S['params']>,
  op: OperationContext,
) => Promise<z.input<S['result']>> | z.input<S['result']>;

/** One handler per method of a catalog; a missing one is a compile error. */
export type Handlers<C extends Catalog> = { [M in keyof C]: Handler<C[M]> };

/** A set of methods and their handlers that the worker serves together. */
export interface MethodModule<C extends Catalog = Catalog> {
  methods: C;
  handlers: Handlers<C>;
  /** Guided workflows over these methods, served as MCP prompts. */
  prompts?: PromptSpec[];
  /** Reference documents, served as MCP resources. */
  resources?: ResourceSpec[];
  /** What each writing method writes, for the safety policy (see WriteTarget). */
  targets?: Record<string, WriteTarget>;
  /**
   * Puts this module's devices in their safe state (stop_all): outputs off, scans stopped.
   * Must not throw; each device's outcome is reported.
   */
  safeState?(): Promise<SafeStateReport[]>;
  /** Connects devices after the worker answers requests; failures are logged, not fatal. */
  start?(): Promise<void>;
  /** Releases devices; called once at shutdown after the last operation ended. */
  close?(): Promise<void>;
  /**
   * Method names this module refuses by configuration, each with the reason: a call gets
   * BLOCKED rather than UNKNOWN_METHOD, so a client knows the method exists and why it is off.
   */
  blocked?: Record<string, string>;
  /** The devices and device classes behind the methods, for describe. */
  devices?(): Pick<DescribeResult, 'devices' | 'device_classes'>;
}

/** One device's part of a stop: what was done and whether it worked. */
export interface SafeStateReport {
  device: string;
  actions: string[];
  ok: boolean;
  error?: string;
}

/** Builds a module while keeping the link between its methods and handlers typed. */
export function defineModule<C extends Catalog>(module: MethodModule<C>): MethodModule {
  return module as unknown as MethodModule;
}
