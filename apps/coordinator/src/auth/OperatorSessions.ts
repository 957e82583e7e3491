// Dashboard sessions: the dashboard trades the operator token once for an opaque random session id
// that travels in an HttpOnly cookie, so no script on the web app's origin (the public join page
// shares it) can read a credential. The store keeps only a digest of each id with its expiry, so a
// restarted coordinator keeps its dashboards signed in and a copied database holds no cookie. The
// digest is keyed with the operator token: an operator who replaces a leaked token ends every
// session that was opened with it.

import { createHmac, randomBytes } from 'node:crypto';
import type { Store } from '../store/Store.ts';

export const SESSION_COOKIE = 'flotilla_session';
/** Twelve hours: a working day at the dashboard, after which the token is asked for again. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** Oldest sessions are dropped past this many, so repeated sign-ins cannot grow the store without bound. */
const MAX_SESSIONS = 1000;

type SessionRecords = Pick<Store, 'putOperatorSession' | 'operatorSessionExpiry' | 'deleteOperatorSession' | 'pruneOperatorSessions'>;

export interface OperatorSessionOptions {
  /** Keys the stored digests: the operator token, so that a new token ends the old one's sessions. */
  signingKey: string;
  ttlMs?: number;
  now?: () => number;
}

/**
 * Opaque session ids with a server-side expiry.
 * @example const sessions = new OperatorSessions(store, { signingKey: operatorToken }); const { id } = sessions.create(); sessions.valid(id); // true for SESSION_TTL_MS
 */
export class OperatorSessions {
  readonly ttlMs: number;
  private readonly now: () => number;
  private readonly signingKey: string;

  constructor(private readonly records: SessionRecords, options: OperatorSessionOptions) {
    this.ttlMs = options.ttlMs ?? SESSION_TTL_MS;
    this.now = options.now ?? (() => Date.now());
    this.signingKey = options.signingKey;
  }

  private digest(id: string): string {
    return createHmac('sha256', this.signingKey).update(id).digest('hex');
  }

  create(): { id: string; expiresAt: number } {
    const id = randomBytes(32).toString('base64url');
    const expiresAt = this.now() + this.ttlMs;
    this.records.pruneOperatorSessions(this.now(), MAX_SESSIONS - 1);
    this.records.putOperatorSession(this.digest(id), expiresAt);
    return { id, expiresAt };
  }

  /** True for a session that exists and has not expired; an expired one is forgotten. */
  valid(id: string): boolean {
    const key = this.digest(id);
    const expiresAt = this.records.operatorSessionExpiry(key);
    if (expiresAt === null) return false;
    if (expiresAt > this.now()) return true;
    this.records.deleteOperatorSession(key);
    return false;
  }

  end(id: string): void {
    this.records.deleteOperatorSession(this.digest(id));
  }
}

/** The value of cookie `name` in a Cookie header, if present. */
export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** The Set-Cookie value for a session (or, with `id` null, one that clears it). */
export function sessionCookie(id: string | null, options: { secure: boolean; maxAgeMs: number }): string {
  const attributes = [
    `${SESSION_COOKIE}=${id ?? ''}`,
    // The dashboard calls only /api/…; the cookie goes nowhere else.
    'Path=/api',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${id === null ? 0 : Math.floor(options.maxAgeMs / 1000)}`,
  ];
  if (options.secure) attributes.push('Secure');
  return attributes.join('; ');
}
