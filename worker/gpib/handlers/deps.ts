import type { GpibCatalog, Logger } from '../../../protocol/index.js';
import type { ArtifactStore } from '../../artifacts/artifact-store.js';
import type { BridgeManager } from '../bridge-manager.js';
import type { Handlers } from '../../engine/method-module.js';

/** What the GPIB handlers work with. */
export interface GpibDeps {
  manager: BridgeManager;
  artifacts: ArtifactStore;
  /** `++` commands raw_command may send although they are guarded (config). */
  allowRawCommands: string[];
  /** The device bound at an address (its driver class), for the safety policy's rules. */
  deviceAt?: (bridge: string, address: number) => { name: string; class: string } | null;
  log: Logger;
}

/** A slice of the GPIB handlers, by method name. */
export type GpibHandlers<K extends keyof GpibCatalog> = Pick<Handlers<GpibCatalog>, K>;

/** `{ primary, secondary }` from a method's address params. */
export function targetOf(params: { address: number; secondary_address?: number }) {
  return { primary: params.address, secondary: params.secondary_address };
}
