// REST API of tasks: create, list, get, control, rounds and the centralized baseline.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import {
  BaselineView, ErrorCodes, FlotillaError, RoundDetailView, RoundListView, TASK_CONFIG_FIELDS, TaskConfigInput, TaskListView, TaskView,
} from '@flotilla/protocol';
import type { Coordinator } from '../coordinator.ts';
import { roundSummary } from '../engine/roundCommit.ts';
import { taskView } from './views.ts';

const TaskParams = Type.Object({ id: Type.String() });
const Action = Type.Union([Type.Literal('start'), Type.Literal('pause'), Type.Literal('resume'), Type.Literal('stop')]);

/** A querystring checked as Fastify would: its strings converted to the schema's types (`?start=true`), then checked. */
function typeBoxValidator(schema: TSchema): (data: unknown) => { value: unknown } | { error: Error } {
  const check = TypeCompiler.Compile(schema);
  return (data) => {
    const value = Value.Convert(schema, data);
    if (check.Check(value)) return { value };
    const first = check.Errors(value).First();
    return { error: new Error(`querystring${first?.path ?? ''} ${first?.message ?? 'is invalid'}`) };
  };
}

/** The body of `POST /api/tasks` is an object whose top-level keys are TaskConfig's. */
function checkTaskInput(data: unknown): { value: unknown } | { error: Error } {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { error: new Error('task configuration must be a JSON object') };
  const unknown = Object.keys(data).filter((key) => !TASK_CONFIG_FIELDS.includes(key));
  if (unknown.length > 0) {
    return { error: new Error(`unknown task configuration field${unknown.length > 1 ? 's' : ''} ${unknown.slice(0, 5).map((k) => JSON.stringify(k.slice(0, 64))).join(', ')} (fields: ${TASK_CONFIG_FIELDS.join(', ')})`) };
  }
  return { value: data };
}

export const taskRoutes: FastifyPluginAsyncTypebox<{ coordinator: Coordinator }> = async (app, { coordinator }) => {
  const { tasks, store } = coordinator;

  app.get('/api/tasks', { schema: { summary: 'List tasks', tags: ['tasks'], response: { 200: TaskListView } } }, async () => ({
    tasks: tasks.list().map((t) => taskView(coordinator, t)),
  }));

  app.post('/api/tasks', {
    schema: {
      summary: 'Create a task from a partial configuration (defaults: MNIST, 2NN, FedAvg, McMahan et al. 2017)',
      tags: ['tasks'],
      body: TaskConfigInput,
      querystring: Type.Object({ start: Type.Optional(Type.Boolean()) }),
      response: { 201: TaskView },
    },
    // The fields' values are checked once merged with the defaults (resolveTaskConfig), with its
    // messages; here only the shape a typo breaks: unknown top-level keys.
    validatorCompiler: ({ schema, httpPart }) => (httpPart === 'body' ? checkTaskInput : typeBoxValidator(schema as unknown as TSchema)),
    attachValidation: true,
  }, async (req, reply) => {
    if (req.validationError) {
      const bodyError = (req.validationError as { validationContext?: string }).validationContext === 'body';
      throw new FlotillaError(bodyError ? ErrorCodes.INVALID_TASK : ErrorCodes.SCHEMA_VIOLATION, req.validationError.message);
    }
    const task = await tasks.create(req.body);
    const created = req.query.start ? await tasks.control(task.id, 'start') : task;
    reply.code(201);
    return taskView(coordinator, created);
  });

  app.get('/api/tasks/:id', { schema: { summary: 'One task with its current round and baseline', tags: ['tasks'], params: TaskParams, response: { 200: TaskView } } },
    async (req) => taskView(coordinator, tasks.get(req.params.id)));

  app.post('/api/tasks/:id/:action', {
    schema: { summary: 'Start, pause, resume or stop a task', tags: ['tasks'], params: Type.Object({ id: Type.String(), action: Action }), response: { 200: TaskView } },
  }, async (req) => taskView(coordinator, await tasks.control(req.params.id, req.params.action)));

  app.get('/api/tasks/:id/rounds', {
    schema: {
      summary: 'Rounds of a task with their metrics (accuracy, loss, δ, dropouts, bytes)',
      tags: ['rounds'],
      params: TaskParams,
      querystring: Type.Object({ since: Type.Optional(Type.Integer({ minimum: 0 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })) }),
      response: { 200: RoundListView },
    },
  }, async (req) => {
    tasks.get(req.params.id);
    const rounds = store.listRounds(req.params.id, { sinceRound: req.query.since ?? 0, limit: req.query.limit ?? 10000 });
    return { rounds: rounds.map(roundSummary) };
  });

  app.get('/api/tasks/:id/rounds/:round', {
    schema: { summary: 'One round, with the outcome of every selected client', tags: ['rounds'], params: Type.Object({ id: Type.String(), round: Type.Integer({ minimum: 1 }) }), response: { 200: RoundDetailView } },
  }, async (req) => {
    const round = store.getRound(req.params.id, req.params.round);
    if (!round) throw new FlotillaError(ErrorCodes.NOT_FOUND, `task ${req.params.id} has no round ${req.params.round}`);
    return round;
  });

  app.get('/api/tasks/:id/baseline', {
    schema: { summary: 'The centralized baseline of a task', tags: ['tasks'], params: TaskParams, response: { 200: BaselineView } },
  }, async (req) => {
    const task = tasks.get(req.params.id);
    return { baseline: coordinator.baselines.record(task.config) };
  });
};
