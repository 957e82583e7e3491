// Serves the built web app (apps/web/dist): the join page at / and the dashboard at /dashboard.
// Pages are cross-origin isolated (COOP/COEP) so that browsers allow WASM threads.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';
import fastifyStatic from '@fastify/static';

export const WEB_DIST = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

export const webRoutes: FastifyPluginAsync<{ root?: string }> = async (app, options) => {
  const root = options.root ?? WEB_DIST;
  app.addHook('onSend', async (req, reply) => {
    if (req.url.startsWith('/api/') || req.url === '/ws') return;
    reply.header('cross-origin-opener-policy', 'same-origin');
    reply.header('cross-origin-embedder-policy', 'require-corp');
  });
  if (!existsSync(root)) {
    const missing = async () => ({ code: 'FLT_NOT_FOUND', message: 'the web app is not built: run `npm run build:web`' });
    app.get('/', { schema: { hide: true } }, missing);
    app.get('/dashboard', { schema: { hide: true } }, missing);
    return;
  }
  await app.register(fastifyStatic, { root, prefix: '/', index: ['index.html'], redirect: true, wildcard: true });
  app.get('/dashboard', { schema: { hide: true } }, (_req, reply) => reply.sendFile('dashboard/index.html'));
  app.get('/vertical', { schema: { hide: true } }, (_req, reply) => reply.sendFile('vertical/index.html'));
};
