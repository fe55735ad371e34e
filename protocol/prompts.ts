import * as z from 'zod';

/**
 * A guided workflow a worker offers as an MCP prompt: a message template with `{{argument}}`
 * placeholders. Declared beside the methods it uses, so the frontend serves it with no code.
 */
export const PromptSpecSchema = z.object({
  name: z.string(),
  title: z.string(),
  description: z.string(),
  arguments: z.array(
    z.object({ name: z.string(), description: z.string(), required: z.boolean() }),
  ),
  template: z.string(),
});
export type PromptSpec = z.infer<typeof PromptSpecSchema>;

/** A static document a worker offers as an MCP resource, e.g. `gpib://protocol/commands`. */
export const ResourceSpecSchema = z.object({
  uri: z.string(),
  name: z.string(),
  title: z.string(),
  description: z.string(),
  mimeType: z.string(),
  text: z.string(),
});
export type ResourceSpec = z.infer<typeof ResourceSpecSchema>;

/** Fills a prompt template; a missing optional argument becomes an empty string. */
export function fillTemplate(template: string, args: Record<string, string | undefined>): string {
  return template.replace(/\{\{([a-z_]+)\}\}/g, (_, name: string) => args[name] ?? '');
}
