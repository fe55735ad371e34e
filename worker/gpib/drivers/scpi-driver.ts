import * as z from 'zod';
import type { DeadlineSpec } from '../../../protocol/index.js';
import type { AttributeSpec, CommandSpec, DeviceContext } from '../../devices/device-class.js';
import type { GpibSession } from '../devices/gpib-session.js';

/**
 * The small engine behind the GPIB drivers, PyMeasure's `Instrument.measurement` / `control` /
 * `setting` in TypeScript: a driver is a table of entries (command templates, a value map, a
 * zod type that is the validator), and each entry becomes a CommandSpec or an AttributeSpec.
 * Real actions (a waveform transfer, a three-field output setting) are plain `command(...)`s.
 */

/** What every GPIB device holds: the session to its instrument. */
export interface GpibState {
  session: GpibSession;
}

/** The context a GPIB driver's commands run with. */
export type GpibContext = DeviceContext<GpibState>;

/** How a value travels: to program-message text, and back from a reply. */
export interface ValueMap<T> {
  format(value: T): string;
  /** Throws (any Error) on a reply that is not a value; the engine names the command. */
  parse(reply: string): T;
}

/** A number as NR1/NR2/NR3 text; JavaScript's exponent form (1e-7) is valid SCPI NRf. */
export const numberValue: ValueMap<number> = {
  format: (v) => String(v),
  parse: (reply) => {
    const v = Number(reply.trim());
    if (reply.trim() === '' || !Number.isFinite(v)) throw new Error('not a number');
    return v;
  },
};

/** A boolean sent as `on`/`off` (default ON/OFF) and read from 1/0/ON/OFF. */
export function boolValue(on = 'ON', off = 'OFF'): ValueMap<boolean> {
  return {
    format: (v) => (v ? on : off),
    parse: (reply) => {
      const r = reply.trim().toUpperCase();
      if (r === '1' || r === 'ON' || r === on.toUpperCase()) return true;
      if (r === '0' || r === 'OFF' || r === off.toUpperCase()) return false;
      throw new Error('not 0/1/ON/OFF');
    },
  };
}

/**
 * API names mapped to instrument mnemonics (`dc_voltage` ↔ `VOLT`), quoted when the instrument
 * takes a string parameter (`FUNC "VOLT:AC"`). Replies match case-insensitively, quotes removed.
 */
export function choiceValue<K extends string>(
  map: Record<K, string>,
  o: { quoted?: boolean } = {},
): ValueMap<K> {
  const entries = Object.entries(map) as Array<[K, string]>;
  return {
    format: (v) => (o.quoted ? `"${map[v]}"` : map[v]),
    parse: (reply) => {
      const r = reply
        .trim()
        .replace(/^["']|["']$/g, '')
        .toUpperCase();
      const hit = entries.find(([, mnemonic]) => mnemonic.toUpperCase() === r);
      if (!hit) throw new Error(`not one of ${entries.map(([, m]) => m).join(', ')}`);
      return hit[0];
    },
  };
}

/** A quoted string parameter (`DISP:TEXT "HELLO"`); embedded quotes are doubled (488.2 7.7.5). */
export const quotedString: ValueMap<string> = {
  format: (v) => `"${v.replace(/"/g, '""')}"`,
  parse: (reply) => reply.trim().replace(/^"|"$/g, '').replace(/""/g, '"'),
};

/**
 * An optional param that keeps its description on the wrapper too (zod's `.optional()` does
 * not carry it, and error messages read the field's own description).
 */
export function optional<T extends z.ZodType>(type: T): z.ZodOptional<T> {
  return type.optional().describe(type.description ?? '');
}

/** `{}` in a template takes the formatted value: `VOLT {}` → `VOLT 5`. */
function fill(template: string, text: string): string {
  return template.includes('{}') ? template.replace('{}', text) : `${template} ${text}`;
}

/** Reads one value: query, then parse through the map, naming the command when it fails. */
export async function queryValue<T>(ctx: GpibContext, query: string, map: ValueMap<T>): Promise<T> {
  ctx.op.checkpoint();
  const { session } = ctx.device.state;
  const reply = await session.query(query);
  try {
    return map.parse(reply);
  } catch (err) {
    throw session.error(query, `answered "${reply.slice(0, 40)}": ${(err as Error).message}`);
  }
}

/**
 * Sends a setting, then reads the SCPI error queue (PyMeasure's `check_set_errors`): a refused
 * setting surfaces as a DEVICE_ERROR quoting the instrument's error instead of passing silently.
 */
export async function writeChecked(ctx: GpibContext, message: string): Promise<void> {
  ctx.op.checkpoint();
  await ctx.device.state.session.write(message);
  await checkErrors(ctx, message);
}

/**
 * SCPI-99 `SYSTem:ERRor?` until `0,"No error"`; throws with every error found. Errors queued
 * before the setting (by a raw instrument_write, say) are reported with it: the queue cannot
 * tell them apart.
 */
export async function checkErrors(ctx: GpibContext, after: string): Promise<void> {
  const { session } = ctx.device.state;
  const errors: string[] = [];
  // The queue holds at most 20 entries (SCPI-99 21.8); stop there even if it never empties.
  for (let i = 0; i < 20; i++) {
    const reply = await session.query('SYST:ERR?');
    if (/^[+-]?0\s*,/.test(reply)) break;
    errors.push(reply);
  }
  if (errors.length > 0) {
    throw session.error(after, `reported ${errors.join('; ')}`);
  }
}

/** PyMeasure's measurement: a query whose reply is one value, served as a read-only command. */
export function measurement<P extends z.ZodObject, R extends z.ZodType>(o: {
  doc: string;
  /** The query, or a function building it from the validated params. */
  query: string | ((params: z.output<P>) => string);
  params?: P;
  result: R;
  /** Default: a number. */
  value?: ValueMap<z.input<R>>;
  deadline?: DeadlineSpec;
}): CommandSpec<GpibState, P, R> {
  const map = (o.value ?? numberValue) as ValueMap<z.input<R>>;
  return {
    doc: o.doc,
    params: (o.params ?? z.object({})) as P,
    result: o.result,
    readOnly: true,
    idempotent: true,
    deadline: o.deadline,
    run: (ctx, params) =>
      queryValue(ctx, typeof o.query === 'string' ? o.query : o.query(params), map),
  };
}

/**
 * PyMeasure's setting: a program message built from the params, then the error queue checked;
 * the result only says it was accepted (`{ done: true }`).
 */
export function setting<P extends z.ZodObject>(o: {
  doc: string;
  params: P;
  set: (params: z.output<P>) => string;
  destructive?: boolean;
  /** The instrument has no SCPI error queue (a pre-488.2 meter): send only. */
  unchecked?: boolean;
}): CommandSpec<GpibState, P, typeof Done> {
  return {
    doc: o.doc,
    params: o.params,
    result: Done,
    destructive: o.destructive ?? false,
    idempotent: true,
    run: async (ctx, params) => {
      const message = o.set(params);
      if (o.unchecked) {
        ctx.op.checkpoint();
        await ctx.device.state.session.write(message);
      } else {
        await writeChecked(ctx, message);
      }
      return { done: true as const };
    },
  };
}

/** The result of a command that only sets something. */
export const Done = z
  .object({ done: z.literal(true).describe('The instrument accepted the message.') })
  .describe('Sent, and (on SCPI instruments) no error was queued.');

/**
 * PyMeasure's control: a get query and, when settable, a set template (`{}` takes the value),
 * with the zod type as validator. Without `set` it is a read-only attribute.
 */
export function control<T extends z.ZodType>(o: {
  doc: string;
  get: string;
  set?: string;
  type: T;
  units?: string;
  /** Default: a number. */
  value?: ValueMap<z.output<T>>;
}): AttributeSpec<GpibState, T> {
  const map = (o.value ?? numberValue) as ValueMap<z.output<T>>;
  const spec: AttributeSpec<GpibState, T> = {
    doc: o.doc,
    type: o.type,
    units: o.units,
    get: (ctx) => queryValue(ctx, o.get, map) as Promise<z.input<T>>,
  };
  if (o.set !== undefined) {
    const template = o.set;
    spec.set = (ctx, value) => writeChecked(ctx, fill(template, map.format(value)));
  }
  return spec;
}
