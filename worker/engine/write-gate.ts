import type { MethodSpec } from '../../protocol/index.js';
import type { OperationContext } from './method-module.js';

/** The device a call acts on, as the safety policy matches it. */
export interface DeviceRef {
  name: string;
  class: string;
  /** The instrument's *IDN? model, when it told. */
  model?: string | null;
}

/** One step of a write: setting name → value (a sweep has one per step, in order). */
export type SettingPoint = Record<string, unknown>;

/**
 * What a method writes, for the safety policy, declared by the module that serves it. Without
 * one, a write's settings are its scalar parameters, in one step, on no particular device.
 */
export interface WriteTarget {
  /** The device this call acts on. */
  device?(params: Record<string, unknown>): DeviceRef | null;
  /** Every step's settings, in order: a sweep is checked whole before its first step. */
  points?(params: Record<string, unknown>): SettingPoint[];
  /** A setting's present value, read with the method's resource held; undefined if unknown. */
  present?(
    setting: string,
    params: Record<string, unknown>,
    op: OperationContext,
  ): Promise<number | undefined>;
  /**
   * The messages sent to an instrument as written (raw GPIB), for the SCPI rules. A call whose
   * every message part is a query (ends in `?`) reads, and is not gated.
   */
  messages?(params: Record<string, unknown>): string[];
}

/** One call as the gate sees it. */
export interface GateCall {
  id: string;
  method: string;
  spec: MethodSpec;
  params: Record<string, unknown>;
  target: WriteTarget | undefined;
  /** The resource it runs on (a GPIB bridge, the microscope). */
  resource: string;
}

/** What the gate decided with the resource held: go ahead, or a person must approve first. */
export interface GateClearance {
  /** Set when a person must approve before the call may run. */
  needsApproval: boolean;
  /** Opaque to the dispatcher; handed back to `approve`, `beforeRun` and `afterRun`. */
  readonly detail: unknown;
}

/** What a write did, returned with its result: the wire commands and the values read back. */
export interface WriteReport {
  sent: string[];
  applied: Record<string, unknown>;
  approval?: { id: string; by: string | null; via: string | null };
}

/**
 * The safety gate the dispatcher calls around every write (see worker/safety). It refuses by
 * throwing a WorkerError (REFUSED, LAB_STOPPED, LAB_LOCKED, APPROVAL_DENIED, …).
 */
export interface WriteGate {
  /** Whether this call is a write the policy governs (reads and supervisor methods are not). */
  covers(call: GateCall): boolean;
  /** Checks a call whose resource is held; `grant` is the approval already obtained, if any. */
  check(call: GateCall, op: OperationContext, grant?: unknown): Promise<GateClearance>;
  /** Waits, without the resource, until a person decides; resolves to the grant or throws. */
  approve(call: GateCall, clearance: GateClearance, op: OperationContext): Promise<unknown>;
  /** Last step before the handler (rate limit, the audit line that must be written first). */
  beforeRun(call: GateCall, clearance: GateClearance, op: OperationContext): Promise<void>;
  /** After the handler succeeded, still holding the resource: readback and what was sent. */
  afterRun(
    call: GateCall,
    clearance: GateClearance,
    op: OperationContext,
    grant: unknown,
  ): Promise<WriteReport>;
  /** Longest a write waits for approval; clients add it to a write's timeout. */
  readonly approvalTimeoutMs: number;
}
