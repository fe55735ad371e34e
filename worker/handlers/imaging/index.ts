import { imagingMethods, type ImagingCatalog } from '../../../protocol/index.js';
import { defineModule, type MethodModule } from '../types.js';
import { acquireHandlers } from './acquire.js';
import { bufferHandlers } from './buffers.js';
import type { ImagingDeps } from './deps.js';
import { settingsHandlers } from './settings.js';

/** The scanning microscope with EAA's tool names, buffers and payloads. */
export function imagingModule(deps: ImagingDeps, dwellUs: number): MethodModule {
  const methods: ImagingCatalog = imagingMethods({
    parameters: deps.microscope.parameters,
    dwellUs,
    maxSamples: deps.maxSamples,
  });
  return defineModule({
    methods,
    handlers: { ...settingsHandlers(deps), ...acquireHandlers(deps), ...bufferHandlers(deps) },
    close: async () => deps.microscope.close?.(),
  });
}
