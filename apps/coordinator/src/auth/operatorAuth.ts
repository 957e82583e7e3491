// Operator access: routes under /api and /metrics need `Authorization: Bearer <operator token>` or
// the dashboard's session cookie; what clients use (the socket, the weights they train from,
// simulation data), liveness and the static web files stay open. Which is which is decided by the
// route Fastify matched (see routeAccess.ts), not by the URL text. The event stream also takes
// ?access_token= because EventSource cannot set headers; the request log serializer redacts it.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCodes } from '@flotilla/protocol';
import { AuthFailures } from './AuthFailures.ts';
import { OperatorSessions, SESSION_COOKIE, readCookie } from './OperatorSessions.ts';
import { collectRoutes, defaultAccess, underOperatorPrefix, type RouteEntry } from './routeAccess.ts';

// Comparing fixed-length digests keeps the comparison constant-time whatever the input length.
const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Constant-time equality of a presented secret and the expected one. */
export function sameSecret(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** The header the dashboard sends on state-changing calls; a cross-site form or image cannot set it. */
export const CSRF_HEADER = 'x-flotilla-csrf';

/** True when the matched route (or, for no specific route, the decoded path) is the operator's. */
function needsOperator(req: FastifyRequest): boolean {
  const pattern = req.routeOptions.url;
  // No route, or only the static files' wildcard: the path itself decides, normalised, so that a
  // 404 or a file lookup never answers an operator path without the token.
  if (pattern === undefined || pattern.includes('*')) return underOperatorPrefix(req.url);
  return (req.routeOptions.config?.access ?? defaultAccess(pattern)) === 'operator';
}

/** The operator token from `Authorization: Bearer`, or, on a route that takes it, `?access_token=`; '' for a malformed header. */
function presentedToken(req: FastifyRequest): string | null {
  const header = req.headers.authorization;
  if (header) return /^Bearer\s+(.+)$/i.exec(header.trim())?.[1]!.trim() ?? '';
  if (!req.routeOptions.config?.queryToken) return null;
  const token = (req.query as Record<string, unknown> | undefined)?.access_token;
  return typeof token === 'string' && token ? token : null;
}

const refuse = (reply: FastifyReply, status: number, code: string, message: string) =>
  reply.code(status).header('www-authenticate', 'Bearer realm="flotilla"').send({ code, message });

/** The refusal of an address that sent too many wrong tokens (see AuthFailures). */
export const TOO_MANY_WRONG_TOKENS = 'too many wrong operator tokens from this address; try again in a few minutes';

/**
 * Adds the operator check to every route of `app` (call before routes are registered); returns the
 * routes registered afterwards, each with its access, for tests that try every operator route.
 * @example installOperatorAuth(app, 'secret', new OperatorSessions(store, { signingKey: 'secret' })); // curl -H 'authorization: Bearer secret' …/api/tasks
 */
export function installOperatorAuth(app: FastifyInstance, operatorToken: string, sessions: OperatorSessions, failures = new AuthFailures()): RouteEntry[] {
  if (!operatorToken) throw new Error('an operator token is required');
  const routes = collectRoutes(app);
  app.addHook('onRequest', async (req, reply) => {
    // Absolute-form targets (`GET http://other/api/tasks`) are for proxies; a browser or script
    // talking to the coordinator sends origin-form. Refusing them keeps one spelling of the path.
    if (!req.url.startsWith('/')) {
      return reply.code(400).send({ code: ErrorCodes.BAD_REQUEST_TARGET, message: 'the request target must be a path (origin-form), not an absolute URL' });
    }
    if (!needsOperator(req)) return;
    const token = presentedToken(req);
    if (token !== null) {
      if (failures.blocked(req.ip)) return refuse(reply, 429, ErrorCodes.RATE_LIMITED, TOO_MANY_WRONG_TOKENS);
      if (sameSecret(token, operatorToken)) return;
      failures.failed(req.ip);
      return refuse(reply, 401, ErrorCodes.UNAUTHORIZED, 'the operator token is wrong');
    }
    const session = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (session === null) {
      return refuse(reply, 401, ErrorCodes.UNAUTHORIZED, 'this endpoint needs the operator token: send `Authorization: Bearer <token>` (the coordinator prints it, with a dashboard URL, when it starts)');
    }
    if (!sessions.valid(session)) {
      return refuse(reply, 401, ErrorCodes.UNAUTHORIZED, 'the dashboard session expired or ended: sign in with the operator token again');
    }
    // The cookie rides along with any request the browser makes, a cross-site form's too; the
    // header cannot be added by one (SameSite=Strict already stops it in current browsers).
    if (!SAFE_METHODS.has(req.method) && req.headers[CSRF_HEADER] !== '1') {
      return refuse(reply, 403, ErrorCodes.CSRF_REFUSED, `a call that changes state with the session cookie needs the ${CSRF_HEADER}: 1 header`);
    }
  });
  return routes;
}

/** Query parameters that carry a secret: the event stream's operator token, a vertical party's token. */
const SECRET_PARAMS = new Set(['access_token', 'token', 'jointoken']);

/** A query parameter's name as the query parser reads it (`%61ccess_token` is `access_token`). */
function decodedName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' ')).toLowerCase();
  } catch {
    return name.toLowerCase();
  }
}

/**
 * The URL as logged: secrets in the query are replaced, whatever the spelling of their names
 * (the query parser decodes names, so matching the raw text would log `?%61ccess_token=…`).
 * @example redactUrl('/api/events?%61ccess_token=s3cret') // '/api/events?%61ccess_token=[redacted]'
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const hash = url.indexOf('#', q);
  const end = hash < 0 ? url.length : hash;
  const query = url.slice(q + 1, end).split('&').map((pair) => {
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    return SECRET_PARAMS.has(decodedName(name)) ? `${name}=[redacted]` : pair;
  });
  return `${url.slice(0, q + 1)}${query.join('&')}${url.slice(end)}`;
}

/** Fastify's default request serializer with the query redacted; see redactUrl. */
export function redactedRequestSerializer(req: FastifyRequest) {
  return {
    method: req.method,
    url: redactUrl(req.url),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}
