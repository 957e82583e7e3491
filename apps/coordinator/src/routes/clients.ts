// REST API of clients: connected now, and every client ever seen.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ClientListView } from '@flotilla/protocol';
import type { Coordinator } from '../coordinator.ts';

export const clientRoutes: FastifyPluginAsyncTypebox<{ coordinator: Coordinator }> = async (app, { coordinator }) => {
  app.get('/api/clients', { schema: { summary: 'Connected and past clients', tags: ['clients'], response: { 200: ClientListView } } }, async () => {
    const connected = new Map(coordinator.registry.list().map((c) => [c.id, c]));
    return {
      clients: coordinator.store.listClients().map(({ tokenHash: _secret, ...c }) => {
        const live = connected.get(c.id);
        return {
          ...c, connected: live !== undefined, taskId: live?.taskId ?? null, partitionIndex: live?.partitionIndex ?? null,
          ...(live?.edge === undefined ? {} : { edge: live.edge }),
        };
      }),
    };
  });
};
