// REST API of tasks: create, list, get, control, rounds and the centralized baseline.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ErrorCodes, FlotillaError } from '@flotilla/protocol';
import type { Coordinator } from '../coordinator.ts';
import { roundSummary } from '../engine/roundCommit.ts';
import { taskView } from './views.ts';

const TaskParams = Type.Object({ id: Type.String() });
const Action = Type.Union([Type.Literal('start'), Type.Literal('pause'), Type.Literal('resume'), Type.Literal('stop')]);

export const taskRoutes: FastifyPluginAsyncTypebox<{ coordinator: Coordinator }> = async (app, { coordinator }) => {
  const { tasks, store } = coordinator;

  app.get('/api/tasks', { schema: { summary: 'List tasks', tags: ['tasks'] } }, async () => ({
    tasks: tasks.list().map((t) => taskView(coordinator, t)),
  }));

  app.post('/api/tasks', {
    schema: {
      summary: 'Create a task from a partial configuration (defaults: MNIST, 2NN, FedAvg, McMahan et al. 2017)',
      tags: ['tasks'],
      body: Type.Object({}, { additionalProperties: true }),
      querystring: Type.Object({ start: Type.Optional(Type.Boolean()) }),
    },
  }, async (req, reply) => {
    const task = await tasks.create(req.body);
    const created = req.query.start ? await tasks.control(task.id, 'start') : task;
    reply.code(201);
    return taskView(coordinator, created);
  });

  app.get('/api/tasks/:id', { schema: { summary: 'One task with its current round and baseline', tags: ['tasks'], params: TaskParams } },
    async (req) => taskView(coordinator, tasks.get(req.params.id)));

  app.post('/api/tasks/:id/:action', {
    schema: { summary: 'Start, pause, resume or stop a task', tags: ['tasks'], params: Type.Object({ id: Type.String(), action: Action }) },
  }, async (req) => taskView(coordinator, await tasks.control(req.params.id, req.params.action)));

  app.get('/api/tasks/:id/rounds', {
    schema: {
      summary: 'Rounds of a task with their metrics (accuracy, loss, δ, dropouts, bytes)',
      tags: ['rounds'],
      params: TaskParams,
      querystring: Type.Object({ since: Type.Optional(Type.Integer({ minimum: 0 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })) }),
    },
  }, async (req) => {
    tasks.get(req.params.id);
    const rounds = store.listRounds(req.params.id, { sinceRound: req.query.since ?? 0, limit: req.query.limit ?? 10000 });
    return { rounds: rounds.map(roundSummary) };
  });

  app.get('/api/tasks/:id/rounds/:round', {
    schema: { summary: 'One round, with the outcome of every selected client', tags: ['rounds'], params: Type.Object({ id: Type.String(), round: Type.Integer({ minimum: 1 }) }) },
  }, async (req) => {
    const round = store.getRound(req.params.id, req.params.round);
    if (!round) throw new FlotillaError(ErrorCodes.NOT_FOUND, `task ${req.params.id} has no round ${req.params.round}`);
    return round;
  });

  app.get('/api/tasks/:id/baseline', { schema: { summary: 'The centralized baseline of a task', tags: ['tasks'], params: TaskParams } }, async (req) => {
    const task = tasks.get(req.params.id);
    return { baseline: coordinator.baselines.record(task.config) };
  });
};
