/**
 * A resource names what a method must serialize on: operations on one resource run one at a
 * time in arrival order (a GPIB bus is half-duplex, instrument libraries are stateful), and
 * operations on different resources run concurrently. `"gpib:{bridge_name}"` takes the bridge
 * from the params; `null` means the method touches no device and answers at once.
 */
export type ResourceTemplate = string | null;

/** Fills `{param}` placeholders from validated params. */
export function resolveResource(
  template: ResourceTemplate,
  params: Record<string, unknown>,
): string | null {
  if (template === null) return null;
  return template.replace(/\{([A-Za-z0-9_]+)\}/g, (_, name: string) => String(params[name]));
}
