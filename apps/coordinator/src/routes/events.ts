// Server-sent events for dashboards and the fleet CLI. A viewer that reconnects sends
// Last-Event-ID (browsers do so by themselves) and receives what it missed from the store, so a
// reconnect, even across a coordinator restart, needs no polling.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Coordinator } from '../coordinator.ts';
import type { BusEvent } from '../events/EventBus.ts';
import type { Admission } from '../ws/admission.ts';

const KEEPALIVE_MS = 15_000;

export const eventRoutes: FastifyPluginAsyncTypebox<{ coordinator: Coordinator; admission: Admission }> = async (app, { coordinator, admission }) => {
  const { bus } = coordinator;
  const streams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of streams) end();
  });

  app.get('/api/events', {
    config: { queryToken: true },
    schema: {
      summary: 'Event stream (text/event-stream); resumes after Last-Event-ID or ?after=',
      tags: ['events'],
      querystring: Type.Object({
        after: Type.Optional(Type.Integer({ minimum: 0 })),
        taskId: Type.Optional(Type.String()),
        ephemeral: Type.Optional(Type.Boolean({ description: 'also stream training progress and round phases' })),
      }),
      // Written by hand as text/event-stream: each `data:` line is an event's payload (EventPayloads) and its EventEnvelope.
      response: { 200: Type.Unsafe<string>({ type: 'string', description: 'text/event-stream; `event:` is an EventType, `data:` its payload (protocol EventPayloads) with taskId, at and seq' }) },
    },
  }, (req, reply) => {
    const lastId = Number(req.headers['last-event-id']);
    const after = Number.isFinite(lastId) && lastId > 0 ? lastId : (req.query.after ?? 0);
    const { taskId, ephemeral = true } = req.query;
    // Throws FLT_TOO_MANY_CONNECTIONS (503) before anything is written: each stream holds a socket and a subscription.
    const releaseStream = admission.openEventStream();
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    const write = (e: BusEvent) => {
      if (taskId && e.taskId !== taskId) return;
      if (e.seq === null && !ephemeral) return;
      res.write(`${e.seq === null ? '' : `id: ${e.seq}\n`}event: ${e.type}\ndata: ${JSON.stringify({ ...e.data, taskId: e.taskId, at: e.at, seq: e.seq })}\n\n`);
    };
    res.write('retry: 2000\n\n');
    // Replay first, then live: events published meanwhile are queued by the subscription.
    let replaying = true;
    const queued: BusEvent[] = [];
    const unsubscribe = bus.subscribe((e) => (replaying ? queued.push(e) : write(e)));
    let seen = after;
    for (let batch = bus.history(seen, 1000, taskId); batch.length > 0; batch = bus.history(seen, 1000, taskId)) {
      for (const e of batch) write(e);
      seen = batch.at(-1)!.seq!;
    }
    for (const e of queued) if (e.seq === null || e.seq > seen) write(e);
    replaying = false;
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
    const end = () => {
      clearInterval(keepalive);
      releaseStream();
      unsubscribe();
      streams.delete(end);
      res.end();
    };
    streams.add(end);
    req.raw.on('close', end);
  });
};
