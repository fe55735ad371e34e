import type { McpServer, RegisteredPrompt } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { fillTemplate, type PromptSpec } from '../../protocol/index.js';

/** Registers a worker's guided workflow as an MCP prompt whose text is its filled template. */
export function registerPrompt(server: McpServer, prompt: PromptSpec): RegisteredPrompt {
  const argsSchema: Record<string, z.ZodType<string | undefined>> = {};
  for (const arg of prompt.arguments) {
    const field = z.string().describe(arg.description);
    argsSchema[arg.name] = arg.required ? field : field.optional();
  }
  return server.registerPrompt(
    prompt.name,
    { title: prompt.title, description: prompt.description, argsSchema },
    (args: Record<string, string | undefined>) => ({
      messages: [
        { role: 'user', content: { type: 'text', text: fillTemplate(prompt.template, args) } },
      ],
    }),
  );
}
