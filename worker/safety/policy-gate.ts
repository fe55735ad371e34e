import { WorkerError, type Logger } from '../../protocol/index.js';
import type { AuditLog } from '../engine/audit-log.js';
import type { OperationContext } from '../engine/method-module.js';
import type { WireTap } from '../engine/wire-tap.js';
import type {
  DeviceRef,
  GateCall,
  GateClearance,
  SettingPoint,
  WriteGate,
  WriteReport,
} from '../engine/write-gate.js';
import type { ApprovalBook, ApprovalGrant } from './approvals.js';
import type { LabControl } from './lab-state.js';
import type { PolicyConfig, PolicyRule } from './policy-config.js';
import { evaluate, rulesFor, settingsToRead, type CallFacts, type Finding } from './rules.js';
import { anyGlob } from './glob.js';
import { checkScpi, compileRules, onlyQueries } from './scpi-rules.js';

/** What the gate worked out for one call, handed back to it at each step. */
interface Detail {
  facts: CallFacts;
  rules: PolicyRule[];
  findings: Finding[];
  present: Record<string, number | undefined>;
  sent?: string[];
}

/**
 * The safety policy in front of every write, in the worker — the process that owns the hardware
 * — so MCP clients, bench scripts and composite tools all meet it. The order is ALS Osprey's
 * chain: the lab's state (stop, lock) → the posture → limits per setting and SCPI rules →
 * a person's approval; then the rate limit, the audit line that must be written first, the
 * write, and the readback.
 */
export class PolicyGate implements WriteGate {
  private readonly scpi;
  private readonly lastWrite = new Map<string, number>();

  constructor(
    private readonly policy: PolicyConfig,
    private readonly lab: LabControl,
    private readonly approvals: ApprovalBook,
    private readonly audit: AuditLog | null,
    private readonly tap: WireTap,
    private readonly log: Logger,
  ) {
    this.scpi = compileRules(policy.scpi);
  }

  /**
   * 0 when nothing in the policy can ask a person (a write's client timeout then stays its
   * own): no soft tier, approval or approval step, no instrument with limits that a raw write
   * could reach, no SCPI rule that asks.
   */
  get approvalTimeoutMs(): number {
    const p = this.policy;
    const asks =
      p.writes === 'approve' ||
      p.rules.some(
        (r) => r.soft || r.approval === 'always' || r.approval_step || limitsDevices(r),
      ) ||
      p.scpi.some((r) => r.action === 'approve' || r.value?.soft);
    return asks ? this.approvals.timeoutMs : 0;
  }

  covers(call: GateCall): boolean {
    if (call.spec.readOnly) return false;
    const messages = call.target?.messages?.(call.params);
    // A raw message that only asks (MEAS:VOLT?) is a read: it works while the lab is stopped.
    return !(messages && messages.length > 0 && messages.every(onlyQueries));
  }

  async check(call: GateCall, op: OperationContext, grant?: unknown): Promise<GateClearance> {
    this.lab.assertWritable(call.method);
    const device = call.target?.device?.(call.params) ?? null;
    const facts: CallFacts = {
      method: call.method,
      device,
      params: call.params,
      points: call.target?.points?.(call.params) ?? [scalarParams(call.params)],
    };
    const rules = rulesFor(this.policy.rules, facts);
    const present: Record<string, number | undefined> = {};
    for (const setting of settingsToRead(rules, facts)) {
      present[setting] = await this.readPresent(call, setting, op);
    }
    const findings = evaluate(rules, facts, present);
    findings.push(...this.scpiFindings(call, device));
    if (this.policy.writes === 'deny') {
      findings.push({
        rule: 'policy.writes: deny',
        level: 'refuse',
        message: `${call.method} was not run: this lab is read-only (policy.writes: deny)`,
      });
    } else if (this.policy.writes === 'approve') {
      findings.push({
        rule: 'policy.writes: approve',
        level: 'approve',
        message: `${call.method} needs a person's approval: every write does (policy.writes: approve)`,
      });
    }
    const refusal = findings.find((f) => f.level === 'refuse');
    if (refusal) {
      throw new WorkerError('REFUSED', refusal.message, {
        rule: refusal.rule,
        ...(refusal.setting ? { setting: refusal.setting } : {}),
        ...(refusal.value !== undefined ? { value: refusal.value as number } : {}),
        ...(refusal.limit !== undefined ? { limit: refusal.limit } : {}),
      });
    }
    const asks = findings.filter((f) => f.level === 'approve');
    const granted = grant as ApprovalGrant | undefined;
    const uncovered = asks.filter((f) => !granted?.rules.has(f.rule));
    if (granted && uncovered.length > 0) {
      // The instrument moved on while a person decided: what they approved is not this.
      throw new WorkerError(
        'REFUSED',
        `${call.method} was not run: since approval ${granted.id} was given it also needs ` +
          `${uncovered.map((f) => `"${f.rule}"`).join(', ')} (${uncovered[0].message}); ask again`,
        { rule: uncovered[0].rule },
      );
    }
    const detail: Detail = { facts, rules, findings, present };
    return { needsApproval: uncovered.length > 0, detail };
  }

  async approve(call: GateCall, clearance: GateClearance, op: OperationContext): Promise<unknown> {
    const { facts, findings } = clearance.detail as Detail;
    const asks = findings.filter((f) => f.level === 'approve');
    const rules = [
      ...new Map(asks.map((f) => [f.rule, { rule: f.rule, message: f.message }])).values(),
    ];
    const device = facts.device?.name ?? null;
    const summary =
      `${device ? `${device}: ` : ''}${call.method} ${compact(call.params)} — ` +
      asks.map((f) => f.message).join('; ');
    return this.approvals.request(
      { requestId: call.id, method: call.method, params: call.params, device, rules, summary },
      op.signal,
      (record) => {
        op.progress(
          0,
          undefined,
          `waiting for a person's approval ${record.id}: ${summary}`,
          record,
        );
        this.log.info('waiting for approval', { approval: record.id, method: call.method, device });
      },
    );
  }

  async beforeRun(call: GateCall, clearance: GateClearance, op: OperationContext): Promise<void> {
    const { rules, facts } = clearance.detail as Detail;
    for (const rule of rules) {
      if (!rule.min_interval_ms) continue;
      const key = `${rule.name}|${facts.device?.name ?? call.method}`;
      const wait = (this.lastWrite.get(key) ?? -Infinity) + rule.min_interval_ms - Date.now();
      if (wait > 0) await op.sleep(wait);
    }
    // Stopped while it waited its turn: the stop wins.
    this.lab.assertWritable(call.method);
    if (this.audit) {
      try {
        this.audit.writeOrThrow({
          time: new Date().toISOString(),
          id: call.id,
          method: call.method,
          resource: call.resource,
          ...(facts.device ? { device: facts.device.name } : {}),
          params: call.params,
          outcome: 'started',
          queued_ms: 0,
          duration_ms: 0,
        });
      } catch (err) {
        // Fail closed: a write that would leave no trace does not happen.
        throw new WorkerError(
          'UNAVAILABLE',
          `${call.method} was not run: its audit line could not be written (${String(err)}); ` +
            'writes are refused until the audit log can be written',
        );
      }
    }
    for (const rule of rules) {
      if (rule.min_interval_ms) {
        this.lastWrite.set(`${rule.name}|${facts.device?.name ?? call.method}`, Date.now());
      }
    }
    (clearance.detail as Detail).sent = this.tap.begin(call.resource);
  }

  async afterRun(
    call: GateCall,
    clearance: GateClearance,
    op: OperationContext,
    grant: unknown,
  ): Promise<WriteReport> {
    const detail = clearance.detail as Detail;
    const sent = detail.sent ?? [];
    this.tap.end(call.resource);
    const applied: Record<string, unknown> = {};
    const last = detail.facts.points.at(-1) ?? {};
    if (call.target?.present) {
      for (const [setting, requested] of Object.entries(last)) {
        if (typeof requested !== 'number') continue;
        const value = await this.readPresent(call, setting, op);
        if (value === undefined) continue;
        applied[setting] = value;
        const rule = detail.rules.find((r) => r.readback && r.settings?.includes(setting));
        if (rule && Math.abs(value - requested) > rule.readback!.tolerance) {
          throw new WorkerError(
            'DEVICE_ERROR',
            `${call.method}: ${setting} reads back ${value} after it was set to ${requested}, ` +
              `further off than the tolerance ${rule.readback!.tolerance} of rule "${rule.name}"`,
            { setting, requested, read_back: value, sent },
          );
        }
      }
    }
    const g = grant as ApprovalGrant | undefined;
    return {
      sent,
      applied,
      ...(g ? { approval: { id: g.id, by: g.by, via: g.via } } : {}),
    };
  }

  /** The SCPI rules' findings for a raw message, and approval for an instrument with limits. */
  private scpiFindings(call: GateCall, device: DeviceRef | null): Finding[] {
    const messages = call.target?.messages?.(call.params);
    if (!messages) return [];
    const findings: Finding[] = [];
    const limited = device !== null && this.hasTypedLimits(device);
    for (const message of messages) {
      const verdict = checkScpi(this.policy.scpi, message, device?.model, this.scpi);
      for (const f of verdict.findings) {
        findings.push({
          rule: f.rule,
          level: f.outcome === 'deny' ? 'refuse' : 'approve',
          message:
            `${call.method} to ${device?.name ?? 'the bus'}: ${f.message}` +
            (f.outcome === 'deny' ? '; nothing was sent' : ''),
        });
      }
      if (limited && verdict.unmatched.length > 0) {
        // A raw message could set what the typed tools limit; only a rule that speaks for it
        // lets it through without a person.
        findings.push({
          rule: 'raw write to a limited instrument',
          level: 'approve',
          message:
            `${call.method} to ${device!.name} (${device!.class}) sends ` +
            `${verdict.unmatched.map((c) => `"${c}"`).join(', ')}, which no SCPI rule allows, to ` +
            'an instrument whose settings the policy limits',
        });
      }
    }
    return findings;
  }

  /** Whether a typed rule limits this device's settings (so a raw write could go around it). */
  private hasTypedLimits(device: DeviceRef): boolean {
    return this.policy.rules.some(
      (r) =>
        limitsDevices(r) &&
        (!r.classes || anyGlob(r.classes, device.class)) &&
        (!r.devices || anyGlob(r.devices, device.name)),
    );
  }

  private async readPresent(
    call: GateCall,
    setting: string,
    op: OperationContext,
  ): Promise<number | undefined> {
    if (!call.target?.present) return undefined;
    try {
      return await call.target.present(setting, call.params, op);
    } catch (err) {
      if (err instanceof WorkerError && (err.code === 'CANCELLED' || err.code === 'TIMEOUT'))
        throw err;
      this.log.warn('could not read a present value for the policy', {
        method: call.method,
        setting,
        error: String(err),
      });
      return undefined;
    }
  }
}

/**
 * A rule on devices (not on tools) that limits or forbids their settings: a raw write to such a
 * device needs a person unless an SCPI rule speaks for it.
 */
function limitsDevices(r: PolicyRule): boolean {
  return (
    !r.tools &&
    Boolean(r.classes || r.devices) &&
    Boolean(r.hard || r.soft || r.max_step || r.approval_step || r.writable === false)
  );
}

/** Without a declared target, a write's settings are its scalar parameters. */
function scalarParams(params: Record<string, unknown>): SettingPoint {
  const point: SettingPoint = {};
  for (const [key, value] of Object.entries(params)) {
    if (key === 'device') continue;
    if (['number', 'string', 'boolean'].includes(typeof value)) point[key] = value;
  }
  return point;
}

function compact(params: Record<string, unknown>): string {
  const text = JSON.stringify(params);
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}
