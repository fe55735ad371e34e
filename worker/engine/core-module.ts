import { coreMethods, type DescribeResult, type ResultOf } from '../../protocol/index.js';
import { defineModule, type MethodModule } from './method-module.js';

type Core = typeof coreMethods;

/** What the core methods read from the running worker. */
export interface WorkerIntrospection {
  describe(): DescribeResult;
  cancel(id: string): ResultOf<Core, 'cancel'>;
  status(): ResultOf<Core, 'worker_status'>;
}

/** health, describe, cancel and worker_status: served by every worker, never queued. */
export function coreModule(worker: WorkerIntrospection): MethodModule {
  return defineModule({
    methods: coreMethods,
    handlers: {
      health: () => ({ status: 'ok' as const }),
      describe: () => worker.describe(),
      cancel: ({ id }) => worker.cancel(id),
      worker_status: () => worker.status(),
    },
  });
}
