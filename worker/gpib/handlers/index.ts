import { gpibMethods, type GpibCatalog } from '../../../protocol/index.js';
import { commandReferenceResource } from '../command-reference.js';
import { gpibPrompts } from '../prompts.js';
import { defineModule, type MethodModule } from '../../engine/method-module.js';
import { bridgeHandlers } from './bridges.js';
import { busHandlers } from './bus.js';
import type { GpibDeps } from './deps.js';
import { instrumentHandlers } from './instruments.js';
import { lowLevelHandlers } from './low-level.js';
import { rawTargets } from './raw-targets.js';

/**
 * The GPIB bench: every configured AR488 bridge, its instruments, the prompts and the `++`
 * reference. Bridges connect after the worker is up, so `health` answers while they do.
 */
export function gpibModule(deps: GpibDeps): MethodModule {
  const configs = deps.manager.all().map((e) => e.bridge.config);
  const methods: GpibCatalog = gpibMethods({
    bridges: deps.manager.names(),
    readTimeoutMs: Math.max(...configs.map((c) => c.readTimeoutMs)),
    adapterTimeoutMs: Math.max(...configs.map((c) => c.readTmoMs + c.linkSlackMs)),
    interCommandDelayMs: Math.max(...configs.map((c) => c.interCommandDelayMs)),
    connectMs: Math.max(...configs.map((c) => c.connectTimeoutMs + c.startupWindowMs)),
  });
  return defineModule({
    methods,
    handlers: {
      ...bridgeHandlers(deps),
      ...busHandlers(deps),
      ...instrumentHandlers(deps),
      ...lowLevelHandlers(deps),
    },
    targets: rawTargets(deps),
    prompts: gpibPrompts,
    resources: [commandReferenceResource],
    start: () => deps.manager.startAll(),
    close: () => deps.manager.closeAll(),
  });
}
