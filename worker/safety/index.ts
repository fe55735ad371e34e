import type { Logger } from '../../protocol/index.js';
import type { AuditLog } from '../engine/audit-log.js';
import type { MethodModule } from '../engine/method-module.js';
import type { WireTap } from '../engine/wire-tap.js';
import { ApprovalBook } from './approvals.js';
import { LabControl } from './lab-state.js';
import { PolicyGate } from './policy-gate.js';
import type { PolicyConfig } from './policy-config.js';
import { SafetyJournal, type SafetyEvents } from './safety-journal.js';
import { safetyModule, type StopTargets } from './safety-module.js';

export { OPEN_POLICY, PolicySection, type PolicyConfig } from './policy-config.js';
export type { SafetyEvents } from './safety-journal.js';

/** The policy's parts, built together: the gate for the dispatcher, the methods for people. */
export interface Safety {
  gate: PolicyGate;
  module: MethodModule;
  lab: LabControl;
  approvals: ApprovalBook;
}

export function createSafety(o: {
  policy: PolicyConfig;
  audit: AuditLog | null;
  events: () => SafetyEvents | null;
  tap: WireTap;
  targets: StopTargets;
  log: Logger;
}): Safety {
  const journal = new SafetyJournal(
    o.audit,
    {
      approval: (r) => o.events()?.approval(r),
      lab: (s) => o.events()?.lab(s),
    },
    o.log,
  );
  const approvals = new ApprovalBook(o.policy.approval_timeout_s * 1000, journal, o.log);
  const lab = new LabControl(o.policy, journal, () => approvals.pendingCount, o.log);
  const gate = new PolicyGate(o.policy, lab, approvals, o.audit, o.tap, o.log);
  const module = safetyModule({ lab, approvals, targets: o.targets, log: o.log });
  return { gate, module, lab, approvals };
}
