import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Request, type Response, type Router } from 'express';
import type { Logger, ReplyEnvelope } from '../../protocol/index.js';
import { ConsoleAuth, sameOrigin } from './console-auth.js';
import { streamEvents } from './console-events.js';
import type { ConsoleHub } from './console-hub.js';

/** The page's own files (not compiled: shipped as they are, next to the compiled frontend). */
export const CONSOLE_WEB_DIR = fileURLToPath(
  new URL('../../../frontend/console/web/', import.meta.url),
);

const require = createRequire(import.meta.url);
/**
 * The libraries the page imports, served from the installed packages — no CDN, so a lab
 * without internet still has its console. Names are the page's import map.
 */
const LIBRARIES: Record<string, () => string> = {
  'preact.mjs': () => require.resolve('preact'),
  'hooks.mjs': () => require.resolve('preact/hooks'),
  'htm.mjs': () => join(dirname(require.resolve('htm')), 'htm.mjs'),
  'uPlot.esm.js': () => join(dirname(require.resolve('uplot')), 'uPlot.esm.js'),
  'uPlot.min.css': () => join(dirname(require.resolve('uplot')), 'uPlot.min.css'),
};
const ASSET_NAME = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9]+)+$/;
/** How long a stop waits for each worker; one that does not answer is reported, not waited on. */
const STOP_TIMEOUT_MS = 35_000;

/**
 * The supervisor console's HTTP side: the page and its assets, the live event stream, the
 * controls (each the same worker method the CLI uses, recorded with the person's name, via
 * "console") and artifact downloads. Controls are POSTs checked for same origin; everything but
 * the login page needs the session when a token is set.
 */
export function consoleRouter(o: { hub: ConsoleHub; auth: ConsoleAuth; log: Logger }): Router {
  const { hub, auth } = o;
  const router = express.Router();
  const page = (name: string) => (_req: Request, res: Response) => {
    res.setHeader('Cache-Control', 'no-store');
    res.sendFile(join(CONSOLE_WEB_DIR, name));
  };

  router.get('/', (req, res) =>
    auth.allows(req) ? page('index.html')(req, res) : page('login.html')(req, res),
  );
  router.get('/console/login', page('login.html'));
  router.post(
    '/console/login',
    express.urlencoded({ extended: false, limit: '4kb' }),
    (req, res) => {
      res.redirect(303, auth.login(req.body?.token, res) ? '/' : '/console/login?error=1');
    },
  );
  router.get('/console/assets/:name', (req, res) => {
    const name = String(req.params.name);
    const library = LIBRARIES[name];
    const file = library ? library() : ASSET_NAME.test(name) ? join(CONSOLE_WEB_DIR, name) : null;
    // The login page's own style may load before the session exists; nothing else may.
    if (!file || !existsSync(file) || (!auth.allows(req) && name !== 'console.css')) {
      res.status(404).end();
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(file);
  });

  const api = express.Router();
  api.use(auth.middleware());
  api.get('/events', (req, res) => streamEvents(hub, req, res));
  api.get('/artifact', async (req, res) => {
    const member = hub.member(String(req.query.worker ?? ''));
    if (!member) return void res.status(404).json({ ok: false, error: 'no such worker' });
    const reply = await member.client.request(
      'artifact_read',
      { path: String(req.query.path ?? '') },
      { timeoutMs: 30_000 },
    );
    if (reply.status === 'error')
      return void res.status(404).json({ ok: false, error: reply.error });
    const file = reply.result as { path: string; mime_type: string; data_base64: string };
    res.setHeader('Content-Type', file.mime_type);
    res.setHeader('Cache-Control', 'no-store');
    if (req.query.download) {
      res.setHeader(
        'Content-Disposition',
        `attachment; filename="${basename(file.path).replace(/"/g, '')}"`,
      );
    }
    res.end(Buffer.from(file.data_base64, 'base64'));
  });

  const controls = express.Router();
  controls.use(sameOrigin, express.json({ limit: '16kb' }));
  controls.post('/stop', async (req, res) => {
    // Stopping must never fail for want of a name.
    const by = personName(req.body?.name) ?? 'unknown person';
    const reason = text(req.body?.reason) ?? 'stopped from the console';
    const replies = await Promise.all(
      hub.members.map((m) =>
        m.client.request(
          'stop_all',
          { reason, by, via: 'console' },
          { timeoutMs: STOP_TIMEOUT_MS },
        ),
      ),
    );
    answer(
      res,
      hub.members.map((m) => m.name),
      replies,
    );
  });
  for (const method of ['lock', 'resume'] as const) {
    controls.post(`/${method}`, async (req, res) => {
      const by = personName(req.body?.name);
      if (!by) return void res.status(400).json({ ok: false, error: 'say who you are (name)' });
      const reason = text(req.body?.reason);
      if (method === 'lock' && !reason) {
        return void res.status(400).json({ ok: false, error: 'a lock needs a reason' });
      }
      const members = hub.members.filter((m) =>
        m.described?.methods.some((d) => d.name === method),
      );
      const replies = await Promise.all(
        members.map((m) =>
          m.client.request(
            method,
            { by, via: 'console', ...(reason ? { reason } : {}) },
            { timeoutMs: 5000 },
          ),
        ),
      );
      answer(
        res,
        members.map((m) => m.name),
        replies,
      );
    });
  }
  controls.post('/approvals/:worker/:id', async (req, res) => {
    const by = personName(req.body?.name);
    if (!by) return void res.status(400).json({ ok: false, error: 'say who you are (name)' });
    const decision = req.body?.decision;
    if (decision !== 'approve' && decision !== 'deny') {
      return void res.status(400).json({ ok: false, error: 'decision must be approve or deny' });
    }
    const member = hub.member(String(req.params.worker));
    if (!member) return void res.status(404).json({ ok: false, error: 'no such worker' });
    const reply = await member.client.request(
      'approval_decide',
      { id: String(req.params.id), decision, by, via: 'console' },
      { timeoutMs: 5000 },
    );
    answer(res, [member.name], [reply]);
  });
  api.use('/api', controls);
  router.use('/console', api);
  return router;
}

/** One reply per worker: ok when every worker did it. */
function answer(res: Response, names: string[], replies: ReplyEnvelope[]): void {
  const results = replies.map((r, i) =>
    r.status === 'ok'
      ? { worker: names[i], ok: true, result: r.result }
      : { worker: names[i], ok: false, error: `${r.error} [${r.code}]` },
  );
  const failed = results.filter((r) => !r.ok);
  if (failed.length === 0) res.json({ ok: true, result: results });
  else
    res
      .status(502)
      .json({
        ok: false,
        error: failed.map((f) => `${f.worker}: ${f.error}`).join('; '),
        result: results,
      });
}

function personName(value: unknown): string | undefined {
  const name = text(value);
  return name && name.length <= 100 ? name : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value.trim().slice(0, 500) : undefined;
}
