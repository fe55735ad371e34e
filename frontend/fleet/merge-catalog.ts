import type {
  DescribeResult,
  MethodDescription,
  PromptSpec,
  ResourceSpec,
} from '../../protocol/index.js';

/** What one worker contributes: its name, prefix and last description, and whether it is up. */
export interface MemberView {
  name: string;
  endpoint: string;
  prefix?: string;
  described?: DescribeResult;
  /** Set while the worker is down: its tools are then unavailable, not served. */
  downReason?: string;
}

/** One tool of the merged catalog: the exposed description and where it goes. */
export interface RoutedMethod {
  /** The method as served, under its exposed (possibly prefixed) name. */
  method: MethodDescription;
  worker: string;
  /** The worker's own name for it. */
  workerMethod: string;
}

/** A tool two workers both want to serve under one name. */
export interface Collision {
  tool: string;
  first: { worker: string; endpoint: string };
  second: { worker: string; endpoint: string };
}

/** The union of several workers' tools, prompts and resources. */
export interface MergedCatalog {
  methods: RoutedMethod[];
  /** Exposed tool name → why it cannot be called now (its worker is down). */
  unavailable: Map<string, string>;
  prompts: PromptSpec[];
  resources: ResourceSpec[];
  collisions: Collision[];
}

/**
 * Merges workers' catalogs in config order. A worker's tools keep their names unless it has a
 * prefix (EAA looks tools up by exact name); two workers offering one name is a collision, and
 * the first keeps it. Names in `shared` are left out: the fleet serves them itself over all
 * workers. Prompts and resources that are the same text on two workers are served once.
 */
export function mergeCatalogs(members: MemberView[], shared: ReadonlySet<string>): MergedCatalog {
  const owners = new Map<string, MemberView>();
  const merged: MergedCatalog = {
    methods: [],
    unavailable: new Map(),
    prompts: [],
    resources: [],
    collisions: [],
  };
  const prompts = new Map<string, string>();
  const resources = new Map<string, string>();
  for (const member of members) {
    const described = member.described;
    if (!described) continue;
    for (const method of described.methods) {
      if (!method.mcp || shared.has(method.name)) continue;
      const name = exposedName(member.prefix, method.name);
      const owner = owners.get(name);
      if (owner) {
        merged.collisions.push({
          tool: name,
          first: { worker: owner.name, endpoint: owner.endpoint },
          second: { worker: member.name, endpoint: member.endpoint },
        });
        continue;
      }
      owners.set(name, member);
      if (member.downReason !== undefined) {
        merged.unavailable.set(name, unavailableText(member));
        continue;
      }
      merged.methods.push({
        method: name === method.name ? method : { ...method, name },
        worker: member.name,
        workerMethod: method.name,
      });
    }
    if (member.downReason !== undefined) continue;
    for (const prompt of described.prompts) {
      const name = exposedName(member.prefix, prompt.name);
      if (keepOnce(prompts, name, { ...prompt, name })) merged.prompts.push({ ...prompt, name });
    }
    for (const resource of described.resources) {
      if (keepOnce(resources, resource.uri, resource)) merged.resources.push(resource);
    }
  }
  return merged;
}

/** The tool name a worker's method is served under. */
export function exposedName(prefix: string | undefined, name: string): string {
  return prefix ? `${prefix}_${name}` : name;
}

/** The error a call to a down worker's tool gets. */
export function unavailableText(
  member: Pick<MemberView, 'name' | 'endpoint' | 'downReason'>,
): string {
  return (
    `worker "${member.name}" (${member.endpoint}) is unavailable: ${member.downReason}. ` +
    'Nothing was sent; its tools come back when it does (tools/list_changed).'
  );
}

/** The start-up error for collisions: both workers per tool, and the remedy. */
export function collisionMessage(collisions: Collision[]): string {
  const lines = collisions
    .slice(0, 10)
    .map(
      (c) =>
        `  ${c.tool}: worker "${c.first.worker}" (${c.first.endpoint}) and worker ` +
        `"${c.second.worker}" (${c.second.endpoint})`,
    );
  const more = collisions.length > 10 ? [`  … and ${collisions.length - 10} more`] : [];
  return [
    `${collisions.length} tool name(s) are served by two workers:`,
    ...lines,
    ...more,
    'Give one of them a prefix in frontend.workers (e.g. prefix: bench_b serves bench_b_<tool>), ' +
      'or block the commands on one worker.',
  ].join('\n');
}

function keepOnce(seen: Map<string, string>, key: string, item: unknown): boolean {
  const text = JSON.stringify(item);
  if (seen.has(key)) return false;
  seen.set(key, text);
  return true;
}
