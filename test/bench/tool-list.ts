import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { LabrelayProcess } from '../helpers/labrelay-process.js';
import { connectHttp } from '../helpers/mcp-client.js';
import { freePorts } from '../helpers/ports.js';
import { until } from '../helpers/until.js';

/**
 * What `tools/list` costs an agent's context in the simulated lab as `npm start` runs it: with
 * the default toolsets and with `--toolsets all` (the whole catalog, as before toolsets). Bytes
 * are those of the JSON result; tokens are estimated at 4 characters each (JSON of English and
 * schema keywords runs close to it for Claude's and OpenAI's tokenizers; no tokenizer is offline
 * here), so the ratios are what to read.
 */
export interface ToolListFigures {
  default: ListCost;
  all: ListCost;
}

interface ListCost {
  tools: number;
  bytes: number;
  tokens_estimate: number;
  largest: Array<{ name: string; bytes: number }>;
}

export async function benchToolList(): Promise<ToolListFigures> {
  return { default: await measure([]), all: await measure(['--toolsets', 'all']) };
}

async function measure(args: string[]): Promise<ListCost> {
  const [httpPort, workerPort] = await freePorts(2);
  const lab = LabrelayProcess.spawn(
    ['start', '--port', String(httpPort), '--bind', `tcp://127.0.0.1:${workerPort}`, ...args],
    {
      env: {
        XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'labrelay-bench-tools-')),
        LABRELAY_LOG_LEVEL: 'info',
      },
    },
  );
  let client: Client | undefined;
  try {
    const [, url] = await lab.waitFor(/MCP over Streamable HTTP at (\S+)/, 60_000);
    await lab.waitFor(/GPIB: 2 of 2 bridges up/, 60_000);
    client = await connectHttp(url);
    // The catalog is whole once the frontend's own catalog (what search_tools searches) has
    // the tools of every instrument the scans found.
    const c = client;
    for (const cls of ['HP34401A', 'HPE3631A', 'TDS2024B', 'Keithley2000', 'HP3478A']) {
      await until(
        `${cls}'s tools in the frontend's catalog`,
        async () => {
          const r = (await c.callTool({ name: 'search_tools', arguments: { query: cls } })) as {
            structuredContent?: { tools?: Array<{ name: string }> };
          };
          return r.structuredContent?.tools?.some((t) => t.name.startsWith(`${cls}_`));
        },
        { timeoutMs: 30_000 },
      );
    }
    const { tools } = await client.listTools();
    const bytes = Buffer.byteLength(JSON.stringify({ tools }));
    return {
      tools: tools.length,
      bytes,
      tokens_estimate: Math.round(bytes / 4),
      largest: tools
        .map((t) => ({ name: t.name, bytes: Buffer.byteLength(JSON.stringify(t)) }))
        .sort((a, b) => b.bytes - a.bytes)
        .slice(0, 8),
    };
  } finally {
    await client?.close();
    await lab.stop();
  }
}

export function toolListTable(f: ToolListFigures): string[] {
  const row = (name: string, c: ListCost, limit: string) =>
    `| ${name} | ${c.tools} | ${(c.bytes / 1024).toFixed(1)} KB | ~${c.tokens_estimate} | ${limit} |`;
  return [
    'tools/list of the simulated lab (`npm start`); tokens estimated at 4 bytes each.',
    '',
    '| listing | tools | bytes | tokens | against |',
    '|---|---|---|---|---|',
    row(
      'default toolsets',
      f.default,
      `≤ 40 tools (${(f.default.tools / 40).toFixed(2)}×), ≤ 40 KB (${(f.default.bytes / 40960).toFixed(2)}×)`,
    ),
    row('--toolsets all', f.all, 'before toolsets: 155 tools, 206.4 KB'),
    '',
    `Largest definitions (all): ${f.all.largest.map((l) => `${l.name} ${(l.bytes / 1024).toFixed(1)} KB`).join(', ')}.`,
  ];
}
