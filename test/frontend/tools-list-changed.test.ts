import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, expect, it } from 'vitest';
import { labConfig } from '../helpers/lab.js';
import { LabrelayProcess, stopAllProcesses } from '../helpers/labrelay-process.js';
import { connectHttp } from '../helpers/mcp-client.js';

afterAll(stopAllProcesses);

it('follows the worker when its methods change: tools/list_changed, then the new tools', async () => {
  const config = await labConfig({ diagnostics: false });
  const first = LabrelayProcess.spawn(['worker', '--config', config.configPath]);
  await first.waitFor(/worker ready/);
  const frontend = LabrelayProcess.spawn(['frontend', '--config', config.configPath]);
  const [, url] = await frontend.waitFor(/MCP over Streamable HTTP at (\S+)/);
  const client = await connectHttp(url);
  let changes = 0;
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changes++);
  expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual([
    'call_tool',
    'health',
    'list_devices',
    'search_tools',
    'stop_all',
    'worker_status',
  ]);

  // The same worker endpoint comes back serving more methods (a restart with a new config).
  await first.stop();
  const second = LabrelayProcess.spawn(['worker', '--config', config.configPath, '--diagnostics']);
  await second.waitFor(/worker ready/);
  // The first notification may be the one that withdrew the stopped worker's tools; wait for
  // the one that brings the new methods.
  await expect
    .poll(async () => (changes > 0 ? (await client.listTools()).tools.map((t) => t.name) : []), {
      timeout: 10_000,
    })
    .toContain('diag_sleep');
  expect(
    (await client.callTool({ name: 'diag_echo', arguments: { value: 7 } })).structuredContent,
  ).toEqual({ result: 7 });
  expect(frontend.stderr).toMatch(/the worker restarted/);
  await client.close();
});
