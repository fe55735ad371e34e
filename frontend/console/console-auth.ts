import { createHmac, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

const COOKIE = 'labrelay_console';

/**
 * Who may use the console. Without a token: anyone who reaches it, which serve-console allows
 * only on loopback. With one: a browser that gave it once on the login page holds a cookie
 * (HttpOnly, SameSite=Strict: no script reads it, no other site sends it) whose value is an
 * HMAC of the token, so the token itself never sits in the browser; a program may send the
 * token as a bearer header instead.
 */
export class ConsoleAuth {
  private readonly session: Buffer | null;

  constructor(private readonly token: string | undefined) {
    this.session = token ? createHmac('sha256', token).update('labrelay console').digest() : null;
  }

  get required(): boolean {
    return this.session !== null;
  }

  allows(req: Request): boolean {
    if (!this.session) return true;
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (bearer !== undefined) return this.equalsToken(bearer);
    const cookie = cookieValue(req.headers.cookie, COOKIE);
    if (!cookie || !/^[0-9a-f]{64}$/.test(cookie)) return false;
    return timingSafeEqual(Buffer.from(cookie, 'hex'), this.session);
  }

  /** Checks a token typed on the login page; on success sets the session cookie. */
  login(candidate: unknown, res: Response): boolean {
    if (!this.session || typeof candidate !== 'string' || !this.equalsToken(candidate))
      return false;
    res.setHeader(
      'Set-Cookie',
      `${COOKIE}=${this.session.toString('hex')}; HttpOnly; SameSite=Strict; Path=/`,
    );
    return true;
  }

  /** For routes that need a session: 401 without one. */
  middleware() {
    return (req: Request, res: Response, next: NextFunction) =>
      this.allows(req) ? next() : res.status(401).json({ ok: false, error: 'log in first' });
  }

  private equalsToken(candidate: string): boolean {
    const a = createHmac('sha256', this.token!).update('labrelay console').digest();
    const b = createHmac('sha256', candidate).update('labrelay console').digest();
    return timingSafeEqual(a, b);
  }
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

/**
 * Controls are POSTs from this page only: the Origin header must be present and this server's
 * own (a form on another site, or a script there, sends its own Origin and is refused).
 */
export function sameOrigin(req: Request, res: Response, next: NextFunction): void {
  const origin = req.headers.origin;
  const host = req.headers.host;
  if (origin && host && (origin === `http://${host}` || origin === `https://${host}`))
    return next();
  res
    .status(403)
    .json({ ok: false, error: `cross-origin request refused (Origin ${origin ?? 'missing'})` });
}
