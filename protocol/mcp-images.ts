import * as z from 'zod';

/** The result key whose images the frontend sends as MCP image content, not structuredContent. */
export const MCP_IMAGES_KEY = 'mcp_images';

/**
 * Small images for MCP clients that display them (a thumbnail of an acquisition). A method that
 * may return them declares this optional field; the frontend moves them into `image` content
 * blocks and leaves them out of structuredContent and of the published output schema.
 */
export const McpImagesSchema = z
  .array(z.object({ mime_type: z.string(), data: z.string().describe('Base64.') }))
  .optional()
  .describe('Images sent as MCP image content blocks; never part of structuredContent.');
