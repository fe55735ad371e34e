import * as z from 'zod';
import type { AttributeSpec, CommandSpec } from '../../devices/device-class.js';
import { rigAttribute, rigCommand, type MicroscopeRig } from './rig.js';

/** One setting of a device over the rig, as PyMeasure declares a `setting`: type, read, write. */
export interface SettingSpec {
  /** Starts with Control, as attribute docs do. */
  doc: string;
  type: z.ZodType<number>;
  units?: string;
  get(rig: MicroscopeRig): number;
  set(rig: MicroscopeRig, value: number): void;
}

/**
 * A device's settings declared once: each becomes an attribute, and together they give
 * `configure` (set any of them; omitted ones stay) and `get_settings`, which answer with
 * `describe` (the settings plus what follows from them, e.g. the frame time).
 */
export function settingsCommands<R extends z.ZodObject>(o: {
  /** What the settings are, for the command docs: "the exposure time and the energy axis". */
  what: string;
  settings: Record<string, SettingSpec>;
  result: R;
  describe(rig: MicroscopeRig): z.input<R>;
}): {
  commands: { configure: CommandSpec<MicroscopeRig>; get_settings: CommandSpec<MicroscopeRig> };
  attributes: Record<string, AttributeSpec<MicroscopeRig>>;
} {
  const entries = Object.entries(o.settings);
  const configure = rigCommand({
    doc: `Set ${o.what} (omitted ones stay).`,
    params: z.strictObject(
      Object.fromEntries(entries.map(([name, s]) => [name, s.type.optional()])),
    ),
    result: o.result,
    idempotent: true,
    run(ctx, p: Record<string, number | undefined>) {
      for (const [name, setting] of entries) {
        const value = p[name];
        if (value !== undefined) setting.set(ctx.device.state, value);
      }
      return o.describe(ctx.device.state);
    },
  });
  const get_settings = rigCommand({
    doc: `Get ${o.what}.`,
    params: z.strictObject({}),
    result: o.result,
    readOnly: true,
    idempotent: true,
    run: (ctx) => o.describe(ctx.device.state),
  });
  const attributes = Object.fromEntries(
    entries.map(([name, s]) => [
      name,
      rigAttribute({
        doc: s.doc,
        type: s.type,
        units: s.units,
        get: (ctx) => s.get(ctx.device.state),
        set: (ctx, v) => s.set(ctx.device.state, v),
      }),
    ]),
  );
  return { commands: { configure, get_settings }, attributes };
}
