// Operator access: REST under /api and /metrics need `Authorization: Bearer <operator token>`;
// what clients use (the socket, the weights they train from, simulation data), liveness and the
// static web files stay open. The event stream also takes ?access_token= because EventSource
// cannot set headers; the request log serializer redacts it.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ErrorCodes } from '@flotilla/protocol';

/** Paths a federated client (or a load balancer) uses without the operator token. */
const CLIENT_FACING: RegExp[] = [
  /^\/api\/tasks\/[^/]+\/models\/[^/]+\/weights\.frame$/,
  /^\/api\/simulation(\/|$)/,
];

/** True when a request to `pathname` needs the operator token. */
export function needsOperatorToken(pathname: string): boolean {
  if (pathname !== '/metrics' && !pathname.startsWith('/api/') && pathname !== '/api') return false;
  return !CLIENT_FACING.some((re) => re.test(pathname));
}

// Comparing fixed-length digests keeps the comparison constant-time whatever the input length.
const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Constant-time equality of a presented secret and the expected one. */
export function sameSecret(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

function presentedToken(req: FastifyRequest, pathname: string): string | null {
  const header = req.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    return match ? match[1]!.trim() : null;
  }
  if (pathname === '/api/events') {
    const token = new URLSearchParams(req.url.slice(pathname.length)).get('access_token');
    if (token) return token;
  }
  return null;
}

/**
 * Adds the operator check to every route of `app` (call before routes are registered).
 * @example installOperatorAuth(app, 'secret'); // curl -H 'authorization: Bearer secret' …/api/tasks
 */
export function installOperatorAuth(app: FastifyInstance, operatorToken: string): void {
  if (!operatorToken) throw new Error('an operator token is required');
  app.addHook('onRequest', async (req, reply) => {
    const pathname = req.url.split('?', 1)[0]!;
    if (!needsOperatorToken(pathname)) return;
    const token = presentedToken(req, pathname);
    if (token !== null && sameSecret(token, operatorToken)) return;
    const message = token === null
      ? 'this endpoint needs the operator token: send `Authorization: Bearer <token>` (the coordinator prints it, with a dashboard URL, when it starts)'
      : 'the operator token is wrong';
    return reply.code(401).header('www-authenticate', 'Bearer realm="flotilla"').send({ code: ErrorCodes.UNAUTHORIZED, message });
  });
}

/** The URL as logged: secrets in the query (the event stream's access_token) are replaced. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:access_token|token|joinToken)=)[^&#]*/gi, '$1[redacted]');
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
