import { WorkerError, diagnosticsMethods } from '../../protocol/index.js';
import { defineModule, type MethodModule } from '../engine/method-module.js';

/** The diagnostic methods (see protocol/methods/diagnostics.ts); counters live per worker. */
export function diagnosticsModule(): MethodModule {
  const counters = new Map<string, number>();
  return defineModule({
    methods: diagnosticsMethods,
    handlers: {
      diag_sleep: async ({ duration_ms, steps }, op) => {
        const started = performance.now();
        const step = duration_ms / steps;
        for (let i = 1; i <= steps; i++) {
          // Waiting is the safe point: a cancel lands between steps, never inside one.
          await op.sleep(step);
          op.progress(i, steps, `step ${i} of ${steps}`);
        }
        return { slept_ms: Math.round(performance.now() - started), steps };
      },
      diag_counter_increment: ({ lane }) => {
        const count = (counters.get(lane) ?? 0) + 1;
        counters.set(lane, count);
        return { lane, count };
      },
      diag_counter_read: ({ lane }) => ({ lane, count: counters.get(lane) ?? 0 }),
      diag_echo: ({ value }) => value,
      diag_fail: ({ kind }) => {
        switch (kind) {
          case 'throw':
            throw new TypeError('diag_fail was asked to throw');
          case 'nan':
            return { value: Number.NaN };
          case 'device':
            throw new WorkerError('DEVICE_ERROR', 'diag_fail: simulated device failure', {
              device: 'diag',
            });
          case 'schema':
            return { value: 'not a number' as unknown as number };
        }
      },
    },
  });
}
