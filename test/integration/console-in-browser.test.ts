import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { SIM_LAB_POLICY } from '../../launcher/sim-lab.js';
import { parseInstrumentSpec } from '../../worker/sim/ar488/instrument-spec.js';
import { startAr488Sim } from '../../worker/sim/ar488/start.js';
import { benchLabSections, startLab, type Lab } from '../helpers/lab.js';
import { ROOT, stopAllProcesses } from '../helpers/labrelay-process.js';
import { connectHttp } from '../helpers/mcp-client.js';
import { until } from '../helpers/until.js';

/*
 * The supervisor console in a real browser (Debian's chromium through playwright-core), on a
 * labrelay lab of processes: an emulated E3631A and 34401A behind an AR488 bridge, the simulated
 * microscope, the simulated lab's safety policy. An agent (the SDK's client, without
 * elicitation) acts; the person watches and steps in on the page.
 */
type Sim = Awaited<ReturnType<typeof startAr488Sim>>;
type Result = CallToolResult & { structuredContent?: any };
let bench: Sim;
let lab: Lab;
let agent: Client;
let browser: Browser;
let page: Page;
let consoleUrl: string;
const errors: string[] = [];

const call = (name: string, args: Record<string, unknown> = {}) =>
  agent.callTool({ name, arguments: args }) as Promise<Result>;
const text = (r: Result) => (r.content as Array<{ text: string }>)[0].text;

const labYaml = (port: number) => stringify(benchLabSections(port, { policy: SIM_LAB_POLICY }));

async function untilTools(client: Client, name: string): Promise<void> {
  await until(`${name} served`, async () =>
    (await client.listTools()).tools.some((t) => t.name === name),
  );
}

beforeAll(async () => {
  bench = await startAr488Sim({
    profile: 'esp32',
    instruments: parseInstrumentSpec('5=hp-e3631a,22=hp34401a'),
    tcp: { host: '127.0.0.1', port: 0 },
  });
  lab = await startLab([], { extra: labYaml(bench.tcp!.port) });
  agent = await connectHttp(lab.url);
  await untilTools(agent, 'HPE3631A_set_output');
  consoleUrl = new URL('/', lab.url).href;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(consoleUrl);
  await page.fill('[data-testid="person-name"]', 'Ada Supervisor');
  await page.keyboard.press('Tab');
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await agent?.close();
  await stopAllProcesses();
  await bench?.close();
});

describe('the supervisor console', () => {
  it("shows the lab's bridges and instruments, live", async () => {
    const devices = page.locator('[data-testid="devices"]');
    await expect
      .poll(() => devices.locator('[data-device="bench/5"]').count(), { timeout: 10_000 })
      .toBe(1);
    expect(await devices.locator('[data-device="bench/5"]').innerText()).toMatch(/HPE3631A/);
    expect(await devices.locator('[data-device="bench/22"]').innerText()).toMatch(/HP34401A/);
    expect(await page.locator('[data-testid="lab-state"]').innerText()).toMatch(/RUNNING/);
    expect(await page.locator('[data-testid="connection"]').innerText()).toMatch(/live/i);
  });

  it("shows an agent's call within 2 s, with the commands it put on the wire", async () => {
    const r = await call('HPE3631A_set_output', {
      channel: 'P25V',
      voltage: 3,
      current_limit: 0.1,
    });
    expect(r.isError).toBeFalsy();
    const row = page.locator(
      '[data-testid="op-row"][data-method="HPE3631A_set_output"][data-outcome="ok"]',
    );
    await row.first().waitFor({ timeout: 2000 });
    expect(await row.first().innerText()).toContain('APPL P25V,3,0.1');
  });

  it("shows the agent's latest image, read through the worker", async () => {
    const r = await call('acquire_image', {
      x_center: 100,
      y_center: 100,
      size_x: 256,
      size_y: 256,
    });
    expect(r.isError).toBeFalsy();
    const image = page.locator('[data-testid="latest-image"]');
    await expect
      .poll(() => image.getAttribute('src'), { timeout: 5000 })
      .toMatch(/\/console\/artifact\?/);
    const png = await page.request.get(
      new URL((await image.getAttribute('src'))!, consoleUrl).href,
    );
    expect(png.status()).toBe(200);
    expect(png.headers()['content-type']).toBe('image/png');
    expect((await png.body()).subarray(1, 4).toString()).toBe('PNG');
  });

  it('Approve completes the waiting call; Deny fails the next one', async () => {
    const waiting = call('HPE3631A_set_output', {
      channel: 'P25V',
      voltage: 15,
      current_limit: 0.1,
    });
    const approve = page.locator('[data-testid^="approve-"]');
    await approve.first().waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-testid="approvals"]').innerText()).toMatch(/soft maximum 12/);
    await expect.poll(() => page.title()).toMatch(/^\(1\)/);
    await approve.first().click();
    const ok = await waiting;
    expect(ok.isError).toBeFalsy();
    expect(ok.content).toContainEqual(
      expect.objectContaining({
        text: expect.stringMatching(/approved: \w+ by Ada Supervisor via console/),
      }),
    );
    await expect.poll(() => page.title()).not.toMatch(/^\(/);

    const denied = call('HPE3631A_output_on');
    const deny = page.locator('[data-testid^="deny-"]');
    await deny.first().waitFor({ timeout: 10_000 });
    await deny.first().click();
    const r = await denied;
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/Ada Supervisor denied approval .*\[APPROVAL_DENIED\]/);
  });

  it('Stop all during a mosaic cancels it and shows the lab stopped; Resume makes writes work again', async () => {
    const mosaic = call('acquire_mosaic', { tiles_x: 2, tiles_y: 2, dwell_us: 40 });
    await page
      .locator('[data-testid="op-row"][data-method="acquire_mosaic"]')
      .first()
      .waitFor({ timeout: 10_000 });
    page.once('dialog', (d) => void d.accept('test stop from the page'));
    await page.click('[data-testid="stop-all"]');
    const ended = await mosaic;
    // Stopped at its next tile, or — on a fast machine — already done before the stop came.
    if (ended.isError) expect(text(ended)).toMatch(/CANCELLED/);
    await expect
      .poll(() => page.locator('[data-testid="lab-state"]').innerText(), { timeout: 5000 })
      .toMatch(/STOPPED/);
    const refused = await call('HPE3631A_set_output', {
      channel: 'P6V',
      voltage: 1,
      current_limit: 0.1,
    });
    expect(text(refused)).toMatch(/LAB_STOPPED/);
    expect((await call('HPE3631A_get_settings')).isError).toBeFalsy();

    mkdirSync(join(ROOT, 'test-results'), { recursive: true });
    await page.screenshot({
      path: join(ROOT, 'test-results', 'console-stopped.png'),
      fullPage: true,
    });

    await page.click('[data-testid="resume"]');
    await expect
      .poll(() => page.locator('[data-testid="lab-state"]').innerText(), { timeout: 5000 })
      .toMatch(/RUNNING/);
    const again = await call('HPE3631A_set_output', {
      channel: 'P6V',
      voltage: 1,
      current_limit: 0.1,
    });
    expect(again.isError).toBeFalsy();
  });

  it('refuses a control posted from another origin', async () => {
    const r = await fetch(new URL('/console/api/stop', consoleUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://evil.example' },
      body: JSON.stringify({ reason: 'x', name: 'mallory' }),
    });
    expect(r.status).toBe(403);
    const noOrigin = await fetch(new URL('/console/api/stop', consoleUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(noOrigin.status).toBe(403);
    expect(await page.locator('[data-testid="lab-state"]').innerText()).toMatch(/RUNNING/);
  });

  it('logs no errors in the page', () => {
    expect(errors).toEqual([]);
  });
});

describe('with a token', () => {
  let tokenLab: Lab;
  let url: string;
  beforeAll(async () => {
    tokenLab = await startLab(['--token', 'console-secret'], { diagnostics: true });
    url = new URL('/', tokenLab.url).href;
  }, 30_000);

  it('neither the page nor any control works without it; the page asks once and then works', async () => {
    const events = await fetch(new URL('/console/events', url));
    expect(events.status).toBe(401);
    const origin = new URL(url).origin;
    const stop = await fetch(new URL('/console/api/stop', url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin },
      body: JSON.stringify({ reason: 'x', name: 'mallory' }),
    });
    expect(stop.status).toBe(401);
    const artifact = await fetch(new URL('/console/artifact?worker=labrelay&path=x', url));
    expect(artifact.status).toBe(401);

    const context = await browser.newContext();
    const p = await context.newPage();
    await p.goto(url);
    await p.fill('input[name="token"]', 'wrong');
    await p.press('input[name="token"]', 'Enter');
    await p.waitForURL(/error=1/);
    await p.fill('input[name="token"]', 'console-secret');
    await p.press('input[name="token"]', 'Enter');
    await p.locator('[data-testid="lab-state"]').waitFor({ timeout: 10_000 });
    const cookies = await context.cookies();
    expect(cookies).toContainEqual(
      expect.objectContaining({ name: 'labrelay_console', httpOnly: true, sameSite: 'Strict' }),
    );
    expect(cookies[0].value).not.toContain('console-secret');
    await context.close();
  });
});
