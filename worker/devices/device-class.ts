import type * as z from 'zod';
import type { DeadlineSpec } from '../../protocol/index.js';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import type { OperationContext } from '../engine/method-module.js';
import type { Device } from './device.js';

/** What a command or attribute accessor runs with. */
export interface DeviceContext<S> {
  /** The device addressed: its name, class and state (a driver session, a simulator). */
  device: Device<S>;
  /** The operation: progress, checkpoint, sleep, abort signal, log. */
  op: OperationContext;
  /** Where large results (waveforms, images) are written; see binaryResult. */
  artifacts: ArtifactStore;
}

/**
 * One command of a device class. Its params are a zod object whose fields carry `.describe()`
 * with units and range (see quantity()); the worker validates them before `run` is called, so
 * nothing unvalidated reaches an instrument.
 */
export interface CommandSpec<
  S = any,
  P extends z.ZodObject = z.ZodObject,
  R extends z.ZodType = z.ZodType,
> {
  /** One line a model can act on, PyMeasure style: "Measure the DC voltage, in volts." */
  doc: string;
  params: P;
  result: R;
  /** Reads only; changes nothing on the instrument. */
  readOnly?: boolean;
  /** Hard to undo (output on, stage move, reset). */
  destructive?: boolean;
  /** Safe to repeat with the same params (the frontend may retry it on a lost reply). */
  idempotent?: boolean;
  /** How long it may take; default 10 s. */
  deadline?: DeadlineSpec;
  run(ctx: DeviceContext<S>, params: z.output<P>): Promise<z.input<R>> | z.input<R>;
}

/** One attribute: a typed value read (and maybe written) through tools when attribute tools are on. */
export interface AttributeSpec<S = any, T extends z.ZodType = z.ZodType> {
  /** Starts with Get / Control / Measure, as PyMeasure's property docs. */
  doc: string;
  /** The value's type, with its range; `.describe()` carries units. */
  type: T;
  units?: string;
  get(ctx: DeviceContext<S>): Promise<z.input<T>> | z.input<T>;
  /** Present for read-write attributes; the value is validated against `type` first. */
  set?(ctx: DeviceContext<S>, value: z.output<T>): Promise<void> | void;
}

/**
 * A class of devices: declared once as data (commands and attributes with their schemas) plus
 * small functions, the way PyMeasure declares an instrument. Every device of the class gets
 * these tools: `Class_command`, and with attribute tools on, `Class_get_attr` / `Class_set_attr`.
 */
export interface DeviceClass<S = any> {
  /** Tool prefix and class name, e.g. HP34401A; letters, digits and _ only. */
  name: string;
  /** What the class is, one line. */
  doc: string;
  commands: Record<string, CommandSpec<S, any, any>>;
  attributes?: Record<string, AttributeSpec<S, any>>;
  /**
   * Puts a device in its safe state when the lab is stopped (a supply's outputs off, a source
   * off); returns what it did, e.g. the commands sent. Runs whatever else is in progress.
   */
  safeState?(ctx: DeviceContext<S>): Promise<string[]>;
}

// A class starts with a capital, so `Class_command` can never take the name of a native method
// (those are all lower-case snake_case: acquire_image, bus_scan).
const CLASS_NAME = /^[A-Z][A-Za-z0-9_]{0,47}$/;
const MEMBER_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** Declares a device class, checking its names (they become tool names and arguments). */
export function defineDeviceClass<S>(spec: DeviceClass<S>): DeviceClass<S> {
  if (!CLASS_NAME.test(spec.name)) {
    throw new Error(
      `device class name "${spec.name}" must start with a capital letter and hold only ` +
        'letters, digits and _ (at most 48)',
    );
  }
  for (const name of [...Object.keys(spec.commands), ...Object.keys(spec.attributes ?? {})]) {
    if (!MEMBER_NAME.test(name)) {
      throw new Error(
        `${spec.name}: "${name}" must start with a letter and hold only letters, digits and _`,
      );
    }
  }
  for (const name of Object.keys(spec.attributes ?? {})) {
    for (const accessor of [`get_${name}`, `set_${name}`]) {
      if (accessor in spec.commands) {
        throw new Error(
          `${spec.name}: attribute ${name}'s tool ${spec.name}_${accessor} would have the name ` +
            `of command ${accessor}; rename one of them`,
        );
      }
    }
  }
  for (const [name, command] of Object.entries(spec.commands)) {
    // The tool adds `device` when a class has several devices.
    if ('device' in command.params.shape) {
      throw new Error(`${spec.name}.${name}: "device" is reserved for choosing the device`);
    }
  }
  return spec;
}

/** Declares one command with its types inferred (for use inside defineDeviceClass). */
export function command<S, P extends z.ZodObject, R extends z.ZodType>(
  spec: CommandSpec<S, P, R>,
): CommandSpec<S, P, R> {
  return spec;
}

/** Declares one attribute with its type inferred. */
export function attribute<S, T extends z.ZodType>(spec: AttributeSpec<S, T>): AttributeSpec<S, T> {
  return spec;
}
