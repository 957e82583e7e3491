// Liveness and Prometheus metrics.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Coordinator } from '../coordinator.ts';

const startedAt = Date.now();

/** Prometheus's text exposition format: documented, sent as the registry writes it. */
const TEXT = Type.Unsafe<string>({ type: 'string', description: 'Prometheus text exposition format' });

export const healthRoutes: FastifyPluginAsyncTypebox<{ coordinator: Coordinator }> = async (app, { coordinator }) => {
  app.get('/healthz', {
    schema: {
      summary: 'Liveness: the coordinator answers and its store is open',
      response: { 200: Type.Object({ status: Type.Literal('ok'), uptimeSeconds: Type.Number(), clients: Type.Integer(), activeTask: Type.Union([Type.String(), Type.Null()]) }) },
    },
  }, async () => ({
    status: 'ok' as const,
    uptimeSeconds: (Date.now() - startedAt) / 1000,
    clients: coordinator.registry.size,
    activeTask: coordinator.tasks.activeTaskId(),
  }));

  app.get('/metrics', { schema: { summary: 'Prometheus metrics', hide: false, response: { 200: TEXT } } }, async (_req, reply) => {
    reply.type(coordinator.metrics.registry.contentType);
    return coordinator.metrics.registry.metrics();
  });
};
