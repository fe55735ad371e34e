import { afterAll, expect, it } from 'vitest';
import { labConfig } from '../helpers/lab.js';
import { LabrelayProcess, stopAllProcesses } from '../helpers/labrelay-process.js';
import { connectHttp } from '../helpers/mcp-client.js';

afterAll(stopAllProcesses);

it('a frontend started before its worker waits, says so on stderr, and serves once the worker is up', async () => {
  const config = await labConfig();
  const frontend = LabrelayProcess.spawn(['frontend', '--config', config.configPath]);
  await frontend.waitFor(/waiting for the worker at tcp:\/\/127\.0\.0\.1:\d+/);
  expect(frontend.stderr).not.toMatch(/MCP over Streamable HTTP/);
  const worker = LabrelayProcess.spawn(['worker', '--config', config.configPath]);
  await worker.waitFor(/worker ready/);
  const [, url] = await frontend.waitFor(/MCP over Streamable HTTP at (\S+)/);
  const client = await connectHttp(url);
  expect((await client.callTool({ name: 'health', arguments: {} })).structuredContent).toEqual({
    status: 'ok',
  });
  await client.close();
});
