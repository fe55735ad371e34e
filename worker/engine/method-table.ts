import { createHash } from 'node:crypto';
import {
  describeMethod,
  type MethodDescription,
  type MethodSpec,
  type PromptSpec,
  type ResourceSpec,
} from '../../protocol/index.js';
import type { Handler, MethodModule } from './method-module.js';
import type { WriteTarget } from './write-gate.js';

/** A method the worker serves now. */
export interface ServedMethod {
  name: string;
  spec: MethodSpec;
  handler: Handler;
  /** What it writes, for the safety policy, when its module says. */
  target?: WriteTarget;
}

/**
 * The methods the worker serves, gathered from its modules, with their descriptions and a hash
 * that changes whenever a method or schema does (clients re-read `describe` when it changes).
 */
export class MethodTable {
  private methods = new Map<string, ServedMethod>();
  private descriptions: MethodDescription[] = [];
  private promptList: PromptSpec[] = [];
  private resourceList: ResourceSpec[] = [];
  private blockedReasons = new Map<string, string>();
  private hash = '';

  constructor(modules: MethodModule[] = []) {
    this.replace(modules);
  }

  /** Replaces the served set; returns true when the catalog hash changed. */
  replace(modules: MethodModule[]): boolean {
    const methods = new Map<string, ServedMethod>();
    for (const module of modules) {
      for (const [name, spec] of Object.entries(module.methods)) {
        if (methods.has(name)) throw new Error(`method ${name} is declared by two modules`);
        const target = module.targets?.[name];
        methods.set(name, {
          name,
          spec,
          handler: module.handlers[name] as Handler,
          ...(target ? { target } : {}),
        });
      }
    }
    const descriptions = [...methods.values()].map((m) => describeMethod(m.name, m.spec));
    const prompts = modules.flatMap((m) => m.prompts ?? []);
    const resources = modules.flatMap((m) => m.resources ?? []);
    // Devices count too: a client that lists them learns of a new one without a new tool.
    const devices = modules.map((m) => m.devices?.().devices ?? []);
    const hash = createHash('sha256')
      .update(JSON.stringify([descriptions, prompts, resources, devices]))
      .digest('hex')
      .slice(0, 16);
    const changed = hash !== this.hash;
    this.blockedReasons = new Map(
      modules.flatMap((m) => Object.entries(m.blocked ?? {})).filter(([n]) => !methods.has(n)),
    );
    this.methods = methods;
    this.descriptions = descriptions;
    this.promptList = prompts;
    this.resourceList = resources;
    this.hash = hash;
    return changed;
  }

  get(name: string): ServedMethod | undefined {
    return this.methods.get(name);
  }

  /** Why a method that is not served is refused by configuration, if it is. */
  blocked(name: string): string | undefined {
    return this.blockedReasons.get(name);
  }

  /** Every method refused by configuration, with its reason. */
  blockedReasonsByName(): Record<string, string> {
    return Object.fromEntries(this.blockedReasons);
  }

  names(): string[] {
    return [...this.methods.keys()];
  }

  describe(): MethodDescription[] {
    return this.descriptions;
  }

  prompts(): PromptSpec[] {
    return this.promptList;
  }

  resources(): ResourceSpec[] {
    return this.resourceList;
  }

  get catalogHash(): string {
    return this.hash;
  }
}
