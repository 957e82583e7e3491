// REST API of federated evaluation: each evaluated round's summary (weighted metrics, spread over
// clients) with every asked client's outcome and report.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { EvaluationView } from '@flotilla/protocol';
import type { Coordinator } from '../coordinator.ts';

export const evaluationRoutes: FastifyPluginAsyncTypebox<{ coordinator: Coordinator }> = async (app, { coordinator }) => {
  const { tasks, store } = coordinator;

  app.get('/api/tasks/:id/evaluations', {
    schema: {
      summary: 'Federated evaluations of a task by round (round 0: the initial model), with each client\'s report',
      tags: ['rounds'],
      params: Type.Object({ id: Type.String() }),
      querystring: Type.Object({ since: Type.Optional(Type.Integer({ minimum: 0 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })) }),
      response: { 200: Type.Object({ evaluations: Type.Array(EvaluationView) }) },
    },
  }, async (req) => {
    tasks.get(req.params.id);
    const since = req.query.since === undefined ? -1 : req.query.since;
    return { evaluations: store.listEvaluations(req.params.id, { sinceRound: since, limit: req.query.limit ?? 10000 }) };
  });
};
