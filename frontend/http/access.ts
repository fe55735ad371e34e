import { createHash, timingSafeEqual } from 'node:crypto';
import { networkInterfaces, hostname } from 'node:os';
import type { NextFunction, Request, Response } from 'express';
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import { isLoopbackHost } from '../../protocol/index.js';

/** Host header names a server bound to `bindHost` accepts by default (DNS-rebinding protection). */
export function defaultAllowedHosts(bindHost: string): string[] {
  const names = new Set(['localhost', '127.0.0.1', '[::1]']);
  if (isLoopbackHost(bindHost)) return [...names];
  if (bindHost !== '0.0.0.0' && bindHost !== '::') names.add(bracketed(bindHost));
  else {
    names.add(hostname());
    for (const list of Object.values(networkInterfaces())) {
      for (const address of list ?? []) names.add(bracketed(address.address));
    }
  }
  return [...names];
}

/**
 * Refuses browser requests from other origins (the Host check alone does not stop a page on
 * another site from posting to a loopback server). Requests without an Origin header are not
 * from a browser page and pass.
 */
export function originCheck(allowedOrigins: string[]) {
  const allowed = new Set(allowedOrigins.map((o) => o.replace(/\/$/, '')));
  return (req: Request, res: Response, next: NextFunction) => {
    const origin = req.headers.origin;
    if (origin === undefined || allowed.has(origin)) return next();
    res.status(403).json({
      jsonrpc: '2.0',
      error: { code: -32000, message: `Origin ${origin} is not allowed` },
      id: null,
    });
  };
}

/** Origins that go with the allowed hosts on this port. */
export function defaultAllowedOrigins(hosts: string[], port: number): string[] {
  return hosts.flatMap((h) => [`http://${h}:${port}`, `https://${h}:${port}`]);
}

/**
 * A verifier for the SDK's requireBearerAuth that accepts one static token, compared in constant
 * time (hashing first makes the lengths equal).
 */
export function staticTokenVerifier(token: string): OAuthTokenVerifier {
  const expected = digest(token);
  return {
    async verifyAccessToken(candidate: string) {
      if (!timingSafeEqual(digest(candidate), expected))
        throw new InvalidTokenError('Invalid token');
      // The SDK requires an expiry; a static token has none, so it is set far in the future.
      return {
        token: candidate,
        clientId: 'labrelay-token',
        scopes: [],
        expiresAt: 32_503_680_000,
      };
    },
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function bracketed(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}
