/**
 * Which device classes and commands are served, by Asyncroscopy's rules (made stricter: a
 * blocked command is refused by the worker too, not only left out of the tool list).
 *
 * - `blockedFunctions`: a list blocks those commands in every class; an object maps a class
 *   name (exact) or `"*"` (every class) to commands. An entry `Class.command` blocks that one
 *   command wherever it appears, and `Class.*` every command of the class. Commands match
 *   exactly and case-sensitively, as Tango command names do.
 * - `includeOnly`: when non-empty, only the commands it names are served (`command`,
 *   `Class.command` or `Class.*`); blocking still wins.
 * - `blockedClasses`: class names, case-insensitive, left out in addition to DataBase and DServer,
 *   which are always left out (Asyncroscopy's default list is replaced by a user's; here a list
 *   that blocks one more class must not expose the database's DbDeleteServer to a model).
 * Attribute tools are commands named `get_<attr>` and `set_<attr>` for these rules.
 */
export interface BlockingConfig {
  blockedFunctions: string[] | Record<string, string[]>;
  includeOnly: string[];
  blockedClasses: string[];
}

/** Tango's own database and admin classes: they delete servers and devices, so never served. */
export const ALWAYS_BLOCKED_CLASSES = ['DataBase', 'DServer'];

/** The verdict on one command: served, or why not. */
export type Verdict = { blocked: false } | { blocked: true; reason: string };

const SERVED: Verdict = { blocked: false };
const ALWAYS = new Set(ALWAYS_BLOCKED_CLASSES.map((c) => c.toLowerCase()));

/** Compiled rules; see BlockingConfig. */
export class BlockingRules {
  private readonly global = new Set<string>();
  private readonly perClass = new Map<string, Set<string>>();
  private readonly include: Set<string>;
  private readonly classes: Set<string>;

  constructor(config: Partial<BlockingConfig> = {}) {
    const functions = config.blockedFunctions ?? [];
    const entries: Array<[string, string[]]> = Array.isArray(functions)
      ? [['*', functions]]
      : Object.entries(functions);
    for (const [key, commands] of entries) {
      for (const entry of commands) {
        const dot = entry.indexOf('.');
        if (dot > 0) this.classSet(entry.slice(0, dot)).add(entry.slice(dot + 1));
        else if (key === '*') this.global.add(entry);
        else this.classSet(key).add(entry);
      }
    }
    this.include = new Set(config.includeOnly ?? []);
    this.classes = new Set(
      [...ALWAYS_BLOCKED_CLASSES, ...(config.blockedClasses ?? [])].map((c) => c.toLowerCase()),
    );
  }

  /** Whether a whole class is left out. */
  classBlocked(className: string): boolean {
    return this.classes.has(className.toLowerCase());
  }

  /** Whether one command of a class is served, and if not, which rule says so. */
  verdict(className: string, command: string): Verdict {
    if (ALWAYS.has(className.toLowerCase())) {
      return {
        blocked: true,
        reason: `class ${className} is always blocked (Tango's database and admin devices)`,
      };
    }
    if (this.classBlocked(className)) {
      return { blocked: true, reason: `class ${className} is in devices.blocked_classes` };
    }
    const own = this.perClass.get(className);
    if (this.global.has(command)) {
      return {
        blocked: true,
        reason: `${command} is blocked for every class by devices.blocked_functions`,
      };
    }
    if (own?.has(command) || own?.has('*')) {
      return {
        blocked: true,
        reason: `${className}.${command} is blocked by devices.blocked_functions`,
      };
    }
    if (
      this.include.size > 0 &&
      !this.include.has(command) &&
      !this.include.has(`${className}.${command}`) &&
      !this.include.has(`${className}.*`)
    ) {
      return {
        blocked: true,
        reason: `${className}.${command} is not in devices.include_only`,
      };
    }
    return SERVED;
  }

  private classSet(className: string): Set<string> {
    let set = this.perClass.get(className);
    if (!set) this.perClass.set(className, (set = new Set()));
    return set;
  }
}
