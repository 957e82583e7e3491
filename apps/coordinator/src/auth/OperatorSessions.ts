// Dashboard sessions: the dashboard trades the operator token once for an opaque random session id
// that travels in an HttpOnly cookie, so no script on the web app's origin (the public join page
// shares it) can read a credential. Sessions live in memory with a server-side expiry: a restarted
// coordinator asks the dashboard for the token again.

import { createHash, randomBytes } from 'node:crypto';

export const SESSION_COOKIE = 'flotilla_session';
/** Twelve hours: a working day at the dashboard, after which the token is asked for again. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** Oldest sessions are dropped past this many, so repeated sign-ins cannot grow memory without bound. */
const MAX_SESSIONS = 1000;

// Only digests are kept, so the map itself holds nothing a cookie could be rebuilt from.
const digest = (id: string): string => createHash('sha256').update(id).digest('hex');

/**
 * Opaque session ids with an expiry.
 * @example const { id } = sessions.create(); sessions.valid(id); // true for SESSION_TTL_MS
 */
export class OperatorSessions {
  private readonly expiries = new Map<string, number>();

  constructor(readonly ttlMs = SESSION_TTL_MS, private readonly now: () => number = Date.now) {}

  create(): { id: string; expiresAt: number } {
    const id = randomBytes(32).toString('base64url');
    const expiresAt = this.now() + this.ttlMs;
    if (this.expiries.size >= MAX_SESSIONS) this.expiries.delete(this.expiries.keys().next().value!);
    this.expiries.set(digest(id), expiresAt);
    return { id, expiresAt };
  }

  /** True for a session that exists and has not expired; an expired one is forgotten. */
  valid(id: string): boolean {
    const key = digest(id);
    const expiresAt = this.expiries.get(key);
    if (expiresAt === undefined) return false;
    if (expiresAt > this.now()) return true;
    this.expiries.delete(key);
    return false;
  }

  end(id: string): void {
    this.expiries.delete(digest(id));
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
