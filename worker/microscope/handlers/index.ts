import { imagingTargets } from './write-targets.js';
import { imagingMethods, type ImagingCatalog } from '../../../protocol/index.js';
import { defineModule, type MethodModule } from '../../engine/method-module.js';
import { acquireHandlers } from './acquire.js';
import { autofocusHandlers } from './autofocus.js';
import { bufferHandlers } from './buffers.js';
import type { ImagingDeps } from './deps.js';
import { mosaicHandlers } from './mosaic.js';
import { settingsHandlers } from './settings.js';

/** The scanning microscope with EAA's tool names, buffers and payloads, and the composite tools. */
export function imagingModule(deps: ImagingDeps, dwellUs: number): MethodModule {
  const methods: ImagingCatalog = imagingMethods({
    parameters: deps.microscope.parameters,
    dwellUs,
    maxSamples: deps.maxSamples,
    fieldCenter: deps.microscope.fieldCenter,
    focusLine: deps.microscope.focusLine,
  });
  return defineModule({
    methods,
    handlers: {
      ...settingsHandlers(deps),
      ...acquireHandlers(deps),
      ...bufferHandlers(deps),
      ...autofocusHandlers(deps),
      ...mosaicHandlers(deps),
    },
    targets: imagingTargets(deps),
    close: async () => deps.microscope.close?.(),
  });
}
