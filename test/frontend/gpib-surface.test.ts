import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLab } from '../helpers/lab.js';
import { stopAllProcesses } from '../helpers/labrelay-process.js';
import { connectHttp } from '../helpers/mcp-client.js';
import { freePorts } from '../helpers/ports.js';

/*
 * The GPIB methods, prompts and command reference as an MCP client sees them. The bridge points
 * at a port nobody listens on: what is listed does not depend on hardware being there.
 */
let client: Client;
beforeAll(async () => {
  const [deadPort] = await freePorts(1);
  const lab = await startLab([], {
    extra: `gpib:
  bridges:
    - name: bench-z
      transport: tcp
      host: 127.0.0.1
      port: ${deadPort}
      connect_timeout_ms: 300
      startup_window_ms: 300
`,
  });
  client = await connectHttp(lab.url);
});
afterAll(async () => {
  await client?.close();
  await stopAllProcesses();
});

it("lists mcgpib's 22 tools plus the binary read and the SRQ wait, with mcgpib's argument names", async () => {
  const tools = (await client.listTools()).tools;
  const names = tools.map((t) => t.name);
  for (const name of [
    'list_bridges',
    'bridge_status',
    'connect_bridge',
    'disconnect_bridge',
    'configure_bridge',
    'bus_scan',
    'serial_poll',
    'check_srq',
    'bus_clear',
    'bus_trigger',
    'interface_clear',
    'instrument_query',
    'instrument_write',
    'instrument_identify',
    'list_instruments',
    'instrument_reset',
    'instrument_local',
    'instrument_remote',
    'raw_command',
    'raw_scpi',
    'bus_diagnostic',
    'parallel_poll',
    'instrument_query_binary',
    'wait_srq',
  ]) {
    expect(names).toContain(name);
  }
  const query = tools.find((t) => t.name === 'instrument_query')!;
  expect(query.inputSchema).toMatchObject({
    properties: {
      bridge_name: { enum: ['bench-z'] },
      address: { type: 'integer', minimum: 1, maximum: 30 },
      command: { type: 'string' },
    },
    required: ['bridge_name', 'address', 'command'],
  });
  expect(tools.find((t) => t.name === 'instrument_reset')!.annotations).toMatchObject({
    destructiveHint: true,
  });
});

it('reports an unreachable bridge with the reason, and refuses a bridge name that is not configured', async () => {
  await expect
    .poll(async () => {
      const r = (await client.callTool({ name: 'list_bridges', arguments: {} })) as CallToolResult;
      return (r.structuredContent as { bridges: Array<{ last_error: string | null }> }).bridges[0]
        .last_error;
    })
    .toMatch(/cannot connect to tcp 127\.0\.0\.1:\d+: connect ECONNREFUSED/);
  const wrong = (await client.callTool({
    name: 'instrument_query',
    arguments: { bridge_name: 'bench-q', address: 5, command: '*IDN?' },
  })) as CallToolResult;
  expect(wrong.isError).toBe(true);
  expect((wrong.content[0] as { text: string }).text).toMatch(
    /"bridge_name" = "bench-q": invalid input: expected "bench-z" \(Configured bridge: bench-z\.\) \[INVALID_PARAMS\]/,
  );
  const down = (await client.callTool({
    name: 'instrument_query',
    arguments: { bridge_name: 'bench-z', address: 5, command: '*IDN?' },
  })) as CallToolResult;
  expect((down.content[0] as { text: string }).text).toMatch(
    /bridge bench-z \(tcp 127\.0\.0\.1:\d+\) is not connected; call connect_bridge \[UNAVAILABLE\]/,
  );
});

it('refuses guarded ++ commands with BLOCKED before anything is sent', async () => {
  const result = (await client.callTool({
    name: 'raw_command',
    arguments: { bridge_name: 'bench-z', command: '++savecfg 0' },
  })) as CallToolResult;
  expect(result.isError).toBe(true);
  expect((result.content[0] as { text: string }).text).toMatch(
    /\+\+savecfg is refused: it writes the adapter EEPROM.*\[BLOCKED\]/,
  );
});

it('offers the five GPIB workflows as prompts', async () => {
  const prompts = (await client.listPrompts()).prompts.map((p) => p.name).sort();
  expect(prompts).toEqual([
    'first_bench_setup',
    'handle_service_request',
    'identify_bus',
    'measurement_series',
    'troubleshoot_silent_instrument',
  ]);
  const filled = await client.getPrompt({
    name: 'identify_bus',
    arguments: { bridge_name: 'bench-z' },
  });
  expect((filled.messages[0].content as { text: string }).text).toMatch(
    /call bus_scan with bridge_name "bench-z"/,
  );
});

it('serves gpib://protocol/commands, with escaping and ++eor 7 = EOI', async () => {
  const resources = (await client.listResources()).resources;
  expect(resources.map((r) => r.uri)).toContain('gpib://protocol/commands');
  const read = await client.readResource({ uri: 'gpib://protocol/commands' });
  const doc = JSON.parse((read.contents[0] as { text: string }).text);
  expect(doc.line_protocol.escaping).toMatch(
    /precede CR \(0x0D\), LF \(0x0A\), ESC \(0x1B\) and "\+" \(0x2B\) with ESC/,
  );
  expect(doc.ar488_extensions['++eor [0-7]']).toMatch(/7 EOI/);
  expect(doc.prologix_commands['++savecfg']).toMatch(/every call writes/);
});
