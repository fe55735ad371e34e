import * as z from 'zod';
import {
  WorkerError,
  describeMethod,
  listedUnder,
  pythonParameterNames,
  type Catalog,
  type DeviceClassDescription,
  type DeviceDescription,
  type MethodSpec,
} from '../../protocol/index.js';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import type { Handler, OperationContext } from '../engine/method-module.js';
import type { WriteTarget } from '../engine/write-gate.js';
import type { BlockingRules } from './blocking.js';
import type { AttributeSpec, CommandSpec, DeviceClass } from './device-class.js';
import type { DeviceRegistry } from './device-registry.js';
import type { Device } from './device.js';
import { toolDescription } from './tool-description.js';

/** What the device tools are built from. */
export interface DeviceToolOptions {
  registry: DeviceRegistry;
  rules: BlockingRules;
  /** Serve `Class_get_attr` / `Class_set_attr` tools (config `devices.attribute_tools`). */
  attributeTools: boolean;
  artifacts: ArtifactStore;
}

/** The methods the devices become, and what describe and list_devices report about them. */
export interface DeviceTools {
  methods: Catalog;
  handlers: Record<string, Handler>;
  /** What each tool writes, for the safety policy: its device, its settings, their values now. */
  targets: Record<string, WriteTarget>;
  /** Tool names refused by configuration, with the rule that refuses each. */
  blocked: Record<string, string>;
  devices: DeviceDescription[];
  classes: DeviceClassDescription[];
  /** Classes whose declaration could not become tools (a plugin's schema zod cannot express). */
  errors: Array<{ class: string; error: string }>;
}

const DEFAULT_DEADLINE = { base_ms: 10_000 };
const ATTRIBUTE_TOOLS_OFF = 'attribute tools are off (set devices.attribute_tools: true)';

/**
 * One tool per served class and command, `Class_command`, as Asyncroscopy names them. When a
 * class has several devices the tool takes a `device` argument listing them (Asyncroscopy keeps
 * only one of them, silently). Each call runs on its device's resource, so commands to one GPIB
 * bridge or one microscope stay strictly in order.
 */
export function buildDeviceTools(o: DeviceToolOptions): DeviceTools {
  const tools: DeviceTools = {
    methods: {},
    handlers: {},
    targets: {},
    blocked: {},
    devices: [],
    classes: [],
    errors: [],
  };
  for (const deviceClass of o.registry.listClasses()) {
    const devices = o.registry.ofClass(deviceClass.name);
    if (devices.length === 0) continue;
    if (o.rules.classBlocked(deviceClass.name)) {
      const reason = `class ${deviceClass.name} is in devices.blocked_classes`;
      for (const tool of toolNames(deviceClass)) tools.blocked[tool] = reason;
      continue;
    }
    // One class that cannot become tools must not take the others (or the worker) down.
    const partial: DeviceTools = { ...tools, methods: {}, handlers: {}, targets: {}, blocked: {} };
    try {
      const described = addClassTools(o, deviceClass, devices, partial);
      Object.assign(tools.methods, partial.methods);
      Object.assign(tools.handlers, partial.handlers);
      Object.assign(tools.targets, partial.targets);
      Object.assign(tools.blocked, partial.blocked);
      tools.devices.push(...devices.map(describeDevice));
      tools.classes.push(described);
    } catch (err) {
      const error = (err as Error).message;
      tools.errors.push({ class: deviceClass.name, error });
      for (const tool of toolNames(deviceClass)) {
        tools.blocked[tool] = `class ${deviceClass.name} cannot be served: ${error}`;
      }
    }
  }
  tools.devices.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
  return tools;
}

function addClassTools(
  o: DeviceToolOptions,
  deviceClass: DeviceClass,
  devices: Device[],
  tools: DeviceTools,
): DeviceClassDescription {
  const names = devices.map((d) => d.name);
  const described: DeviceClassDescription = {
    name: deviceClass.name,
    doc: deviceClass.doc,
    devices: names,
    commands: [],
    attributes: [],
  };
  const target = new Target(o, deviceClass, names);
  const add = (
    tool: string,
    command: string,
    spec: CommandSpec,
    run: RunFn,
    setsAttribute?: string,
  ): boolean => {
    const verdict = o.rules.verdict(deviceClass.name, command);
    if (verdict.blocked) {
      tools.blocked[tool] = verdict.reason;
      return false;
    }
    const method = target.method(spec, command);
    tools.methods[tool] = method;
    tools.handlers[tool] = target.handler(run);
    if (!spec.readOnly) tools.targets[tool] = target.writeTarget(setsAttribute);
    const description = describeMethod(tool, method);
    described.commands.push({
      name: command,
      tool,
      doc: spec.doc,
      inputSchema: description.inputSchema,
      outputSchema: description.outputSchema,
      readOnly: spec.readOnly ?? false,
      destructive: spec.destructive ?? false,
    });
    return true;
  };

  for (const [command, spec] of Object.entries(deviceClass.commands)) {
    add(`${deviceClass.name}_${command}`, command, spec, (ctx, params) => spec.run(ctx, params));
  }
  for (const [name, attr] of Object.entries(deviceClass.attributes ?? {})) {
    const getTool = `${deviceClass.name}_get_${name}`;
    const setTool = `${deviceClass.name}_set_${name}`;
    let get: string | null = null;
    let set: string | null = null;
    if (!o.attributeTools) {
      tools.blocked[getTool] = ATTRIBUTE_TOOLS_OFF;
      if (attr.set) tools.blocked[setTool] = ATTRIBUTE_TOOLS_OFF;
    } else {
      if (add(getTool, `get_${name}`, attributeGetter(attr), (ctx) => readAttribute(attr, ctx)))
        get = getTool;
      if (
        attr.set &&
        add(
          setTool,
          `set_${name}`,
          attributeSetter(attr),
          async (ctx, { value }) => {
            await attr.set!(ctx, value);
            return readAttribute(attr, ctx);
          },
          name,
        )
      )
        set = setTool;
    }
    described.attributes.push({
      name,
      doc: attr.doc,
      schema: z.toJSONSchema(attr.type, { io: 'output' }) as Record<string, unknown>,
      units: attr.units ?? null,
      access: attr.set ? 'readwrite' : 'read',
      tools: { get, set },
    });
  }
  return described;
}

type RunFn = (ctx: Parameters<CommandSpec['run']>[0], params: any) => unknown;

/** Resolves the `device` argument of one class's tools to the device, at call time. */
class Target {
  private readonly several: boolean;

  constructor(
    private readonly o: DeviceToolOptions,
    private readonly deviceClass: DeviceClass,
    private readonly names: string[],
  ) {
    this.several = names.length > 1;
  }

  method(spec: CommandSpec, command: string): MethodSpec {
    const className = this.deviceClass.name;
    // safeExtend keeps the command's cross-field checks (an E3631A output's own limits).
    const params = (
      this.several
        ? spec.params.safeExtend({
            device: z
              .enum(this.names as [string, ...string[]])
              .describe(`Which ${className}: ${this.names.join(', ')}.`),
          })
        : spec.params
    ).strict();
    const resources = new Set(this.names.map((n) => this.o.registry.get(n)!.resource));
    const argumentNames = renamedForPython(Object.keys(spec.params.shape));
    const inputSchema = listedUnder(
      z.toJSONSchema(params, { io: 'input' }) as Record<string, unknown>,
      argumentNames,
    );
    const outputSchema = z.toJSONSchema(spec.result, { io: 'output' }) as Record<string, unknown>;
    return {
      title: `${className} ${command.replace(/_/g, ' ')}`,
      description: toolDescription({
        doc: spec.doc,
        className,
        command,
        devices: this.names,
      }),
      params,
      result: spec.result,
      readOnly: spec.readOnly ?? false,
      idempotent: spec.idempotent ?? spec.readOnly ?? false,
      destructive: spec.destructive ?? false,
      // Describes it; resourceFor decides it per call from the device.
      resource: resources.size === 1 ? [...resources][0] : 'device:{device}',
      resourceFor: (p) => this.lookup(p)?.resource ?? `device:${this.nameOf(p)}`,
      ...(argumentNames ? { argumentNames } : {}),
      deadline: spec.deadline ?? DEFAULT_DEADLINE,
      mcp: true,
    };
  }

  handler(run: RunFn): Handler {
    return async (params: Record<string, unknown>, op: OperationContext) => {
      const device = this.lookup(params);
      if (!device) {
        throw new WorkerError(
          'UNAVAILABLE',
          `device ${this.nameOf(params)} (${this.deviceClass.name}) is gone: its bus was ` +
            'rescanned or its plugin unloaded; list_devices shows what is there now',
          { device: this.nameOf(params) },
        );
      }
      const { device: _, ...rest } = params;
      return run({ device, op, artifacts: this.o.artifacts }, this.several ? rest : params);
    };
  }

  /**
   * What a write through this class writes: its device (and the *IDN? model it told), the
   * settings — a command's scalar arguments, or the attribute a `set_` tool sets — and, for the
   * policy's steps and readback, a setting's present value from the attribute of that name.
   */
  writeTarget(setsAttribute?: string): WriteTarget {
    return {
      device: (p) => {
        const device = this.lookup(p);
        if (!device) return null;
        const model = device.info?.model;
        return {
          name: device.name,
          class: this.deviceClass.name,
          model: typeof model === 'string' ? model : null,
        };
      },
      ...(setsAttribute ? { points: (p) => [{ [setsAttribute]: p.value }] } : {}),
      present: async (setting, p, op) => {
        const attr = this.deviceClass.attributes?.[setting];
        const device = this.lookup(p);
        if (!attr || !device) return undefined;
        const value = await attr.get({ device, op, artifacts: this.o.artifacts });
        return typeof value === 'number' ? value : undefined;
      },
    };
  }

  private nameOf(params: Record<string, unknown>): string {
    return this.several ? String(params.device) : this.names[0];
  }

  /** The device now registered under that name, if it still has this class. */
  private lookup(params: Record<string, unknown>): Device | undefined {
    const device = this.o.registry.get(this.nameOf(params));
    return device?.deviceClass === this.deviceClass ? device : undefined;
  }
}

/**
 * listed → declared for the fields a Python client could not bind (a plugin's `from`, `gate-ms`),
 * or undefined when every name is safe, as all of labrelay's own drivers' are.
 */
function renamedForPython(declared: string[]): Record<string, string> | undefined {
  const renamed = [...pythonParameterNames(declared)].filter(([own, listed]) => own !== listed);
  return renamed.length
    ? Object.fromEntries(renamed.map(([own, listed]) => [listed, own]))
    : undefined;
}

function attributeGetter(attr: AttributeSpec): CommandSpec {
  return {
    doc: attr.doc,
    params: z.strictObject({}),
    result: attributeValue(attr),
    readOnly: true,
    idempotent: true,
    run: () => undefined as never,
  };
}

function attributeSetter(attr: AttributeSpec): CommandSpec {
  return {
    doc: `${attr.doc} Returns the value read back after setting it.`,
    params: z.strictObject({ value: attr.type }),
    result: attributeValue(attr),
    idempotent: true,
    run: () => undefined as never,
  };
}

function attributeValue(attr: AttributeSpec) {
  return z.object({
    value: attr.type,
    units: z.string().nullable().describe('Units of value; null for none.'),
  });
}

async function readAttribute(
  attr: AttributeSpec,
  ctx: Parameters<CommandSpec['run']>[0],
): Promise<{ value: unknown; units: string | null }> {
  return { value: await attr.get(ctx), units: attr.units ?? null };
}

/** Every tool name a class could have, for refusing all of them when the class is blocked. */
function toolNames(deviceClass: DeviceClass): string[] {
  const names = Object.keys(deviceClass.commands).map((c) => `${deviceClass.name}_${c}`);
  for (const [name, attr] of Object.entries(deviceClass.attributes ?? {})) {
    names.push(`${deviceClass.name}_get_${name}`);
    if (attr.set) names.push(`${deviceClass.name}_set_${name}`);
  }
  return names;
}

function describeDevice(device: Device): DeviceDescription {
  return {
    name: device.name,
    class: device.deviceClass.name,
    origin: device.origin,
    resource: device.resource,
    // Only JSON reaches the wire: undefined fields and the like are dropped here.
    info: JSON.parse(JSON.stringify(device.info ?? {})),
  };
}
