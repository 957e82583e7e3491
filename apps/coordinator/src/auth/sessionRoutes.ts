// `POST /api/session` trades the operator token for the dashboard's HttpOnly session cookie;
// `DELETE /api/session` ends it. Both are open routes: the token in the body is the credential.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ErrorCodes, FlotillaError, SessionView } from '@flotilla/protocol';
import type { AuthFailures } from './AuthFailures.ts';
import { TOO_MANY_WRONG_TOKENS, sameSecret } from './operatorAuth.ts';
import { OperatorSessions, SESSION_COOKIE, readCookie, sessionCookie } from './OperatorSessions.ts';

export const sessionRoutes: FastifyPluginAsyncTypebox<{ operatorToken: string; sessions: OperatorSessions; failures: AuthFailures }> = async (app, { operatorToken, sessions, failures }) => {
  app.post('/api/session', {
    config: { access: 'public' },
    schema: {
      summary: 'Sign the dashboard in: trades the operator token for an HttpOnly session cookie',
      tags: ['access'],
      body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 512 }) }, { additionalProperties: false }),
      response: { 200: SessionView },
    },
  }, async (req, reply) => {
    if (failures.blocked(req.ip)) throw new FlotillaError(ErrorCodes.RATE_LIMITED, TOO_MANY_WRONG_TOKENS);
    if (!sameSecret(req.body.token, operatorToken)) {
      failures.failed(req.ip);
      throw new FlotillaError(ErrorCodes.UNAUTHORIZED, 'the operator token is wrong');
    }
    const { id, expiresAt } = sessions.create();
    reply.header('set-cookie', sessionCookie(id, { secure: req.protocol === 'https', maxAgeMs: sessions.ttlMs }));
    reply.header('cache-control', 'no-store');
    return { expiresAt };
  });

  app.delete('/api/session', {
    config: { access: 'public' },
    schema: { summary: 'Sign the dashboard out: ends the session and clears its cookie', tags: ['access'], response: { 204: Type.Unsafe<void>({ description: 'no content' }) } },
  }, async (req, reply) => {
    const id = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (id) sessions.end(id);
    reply.header('set-cookie', sessionCookie(null, { secure: req.protocol === 'https', maxAgeMs: 0 }));
    return reply.code(204).send();
  });
};
