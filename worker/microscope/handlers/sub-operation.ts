import type { OperationContext } from '../../engine/method-module.js';

/**
 * The operation as one step of a longer one sees it: the same id, signal, checkpoint and
 * sleep, but its progress lands inside step `step` (0-based) of `total`, so a scan's line-by-
 * line reports move the composite's progress forward between its per-step reports instead of
 * restarting from 0. Stays strictly between step and step + 1, which the composite itself
 * reports when steps end (MCP progress must increase).
 */
export function stepOperation(
  op: OperationContext,
  step: number,
  total: number,
  label: string,
): OperationContext {
  return {
    get id() {
      return op.id;
    },
    get method() {
      return op.method;
    },
    get signal() {
      return op.signal;
    },
    get log() {
      return op.log;
    },
    progress(progress, subTotal, message) {
      const share = subTotal && subTotal > 0 ? Math.min(progress / subTotal, 1) : 0;
      op.progress(step + 0.01 + 0.98 * share, total, message ? `${label}: ${message}` : label);
    },
    checkpoint: () => op.checkpoint(),
    sleep: (ms) => op.sleep(ms),
  };
}
