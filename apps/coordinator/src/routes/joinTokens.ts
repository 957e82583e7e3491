// REST for issued join tokens (operator only): create one per client or cohort (the token is in
// the answer, once), list them without secrets, revoke one (its clients are disconnected).

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { CreateJoinToken, IssuedJoinToken, JoinTokenView } from '@flotilla/protocol';
import type { Coordinator } from '../coordinator.ts';

export const joinTokenRoutes: FastifyPluginAsyncTypebox<{ coordinator: Coordinator }> = async (app, { coordinator }) => {
  const { joinTokens } = coordinator;

  app.post('/api/join-tokens', {
    schema: { summary: 'Issue a client join token (shown once)', tags: ['access'], body: CreateJoinToken, response: { 201: IssuedJoinToken } },
  }, async (req, reply) => {
    const { view, token } = joinTokens.issue(req.body);
    reply.code(201).header('cache-control', 'no-store');
    return { ...view, token };
  });

  app.get('/api/join-tokens', {
    schema: { summary: 'Issued join tokens (never the tokens themselves)', tags: ['access'], response: { 200: Type.Object({ joinTokens: Type.Array(JoinTokenView) }) } },
  }, async () => ({ joinTokens: joinTokens.list() }));

  app.post('/api/join-tokens/:id/revoke', {
    schema: { summary: 'Revoke a join token and disconnect the clients that joined with it', tags: ['access'], params: Type.Object({ id: Type.String() }), response: { 200: JoinTokenView } },
  }, async (req) => joinTokens.revoke(req.params.id));
};
