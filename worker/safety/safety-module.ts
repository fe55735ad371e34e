import { WorkerError, safetyMethods, type Logger } from '../../protocol/index.js';
import { defineModule, type MethodModule, type SafeStateReport } from '../engine/method-module.js';
import type { OperationRecord } from '../engine/dispatcher.js';
import type { ApprovalBook } from './approvals.js';
import type { LabControl } from './lab-state.js';

/** What stop_all reaches besides the policy: the operations and the modules' safe states. */
export interface StopTargets {
  /** Aborts every operation; returns "method id" of each. */
  abortAll(reason: (record: OperationRecord) => WorkerError): string[];
  /** The modules that may declare a safe state. */
  modules(): MethodModule[];
}

/** Longest one module's safe state may take before stop_all reports it failed and goes on. */
const SAFE_STATE_LIMIT_MS = 20_000;

/**
 * stop_all, lock, resume and the approvals: the person's side of the policy. stop_all first
 * marks the lab stopped (so nothing new starts), then ends the approvals and operations, then
 * puts devices in their safe state; each step is on its own, so none can keep the others from
 * happening.
 */
export function safetyModule(o: {
  lab: LabControl;
  approvals: ApprovalBook;
  targets: StopTargets;
  log: Logger;
}): MethodModule {
  const { lab, approvals, targets, log } = o;
  return defineModule({
    methods: safetyMethods,
    handlers: {
      stop_all: async ({ reason, by, via }) => {
        const state = lab.stop(by, via, reason ?? null);
        const why = `the lab was stopped by ${by} via ${via}${reason ? `: ${reason}` : ''}`;
        let approvalsCancelled = 0;
        try {
          approvalsCancelled = approvals.cancelAll(why);
        } catch (err) {
          log.error('stop_all: cancelling approvals failed', { error: String(err) });
        }
        const cancelled = targets.abortAll(
          (record) =>
            new WorkerError(
              'CANCELLED',
              `${record.method} (request ${record.id}) was cancelled: ${why}`,
              { id: record.id },
            ),
        );
        const safe_states = await safeStates(targets.modules(), log);
        return {
          lab: { ...state, ...lab.state() },
          cancelled,
          approvals_cancelled: approvalsCancelled,
          safe_states,
        };
      },
      lab_state: () => lab.state(),
      resume: ({ by, via }) => lab.resume(by, via),
      lock: ({ reason, by, via }) => lab.lock(by, via, reason),
      approvals_list: ({ include_decided }) => ({ approvals: approvals.list(include_decided) }),
      approval_decide: ({ id, decision, by, via }) => ({
        approval: approvals.decide(id, decision, by, via),
      }),
    },
  });
}

async function safeStates(modules: MethodModule[], log: Logger): Promise<SafeStateReport[]> {
  const reports = await Promise.all(
    modules.map(async (module): Promise<SafeStateReport[]> => {
      if (!module.safeState) return [];
      let timer: NodeJS.Timeout | undefined;
      try {
        return await Promise.race([
          module.safeState(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`no answer within ${SAFE_STATE_LIMIT_MS} ms`)),
              SAFE_STATE_LIMIT_MS,
            );
          }),
        ]);
      } catch (err) {
        log.error('stop_all: a safe state failed', { error: String(err) });
        return [{ device: 'module', actions: [], ok: false, error: String(err) }];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return reports.flat();
}
