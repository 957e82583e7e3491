// REST API of contribution assessment: a task's standings and valued rounds (JSON and CSV), and
// the reward split the operator sets.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ContributionView, ErrorCodes, FlotillaError, RewardSpec } from '@flotilla/protocol';
import type { Coordinator } from '../coordinator.ts';
import { contributionView, roundsCsv, standingsCsv } from '../contribution/contributionView.ts';
import { validationDescription } from '../contribution/validationDescriptions.ts';

const TaskParams = Type.Object({ id: Type.String() });
const CSV = Type.Unsafe<string>({ type: 'string', description: 'text/csv (RFC 4180, CRLF, header row)' });

export const contributionRoutes: FastifyPluginAsyncTypebox<{ coordinator: Coordinator }> = async (app, { coordinator }) => {
  const { tasks, store } = coordinator;
  const view = async (id: string) => {
    const task = tasks.get(id);
    return contributionView(store, task, await validationDescription(coordinator, task));
  };

  app.get('/api/tasks/:id/contributions', {
    schema: {
      summary: 'Contribution of each client: standings (cumulative Shapley value, rank, reward share, selection weight) and every valued round',
      tags: ['contributions'], params: TaskParams, response: { 200: ContributionView },
    },
  }, async (req) => view(req.params.id));

  app.get('/api/tasks/:id/contributions.csv', {
    schema: {
      summary: 'Contribution standings as CSV (rank, client, cumulative, rounds, share, reward); ?rounds=1: one row per client and round (round, method, client, value)',
      tags: ['contributions'], params: TaskParams,
      querystring: Type.Object({ rounds: Type.Optional(Type.Union([Type.Literal('0'), Type.Literal('1')])) }),
      response: { 200: CSV },
    },
  }, async (req, reply) => {
    const contributions = await view(req.params.id);
    const long = req.query.rounds === '1';
    reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="contributions-${long ? 'rounds-' : ''}${req.params.id.slice(0, 64).replace(/[^\w-]/g, '_')}.csv"`);
    return long ? roundsCsv(contributions) : standingsCsv(contributions);
  });

  app.put('/api/tasks/:id/contributions/reward', {
    schema: {
      summary: 'Set how the reward pool is split by cumulative contribution (proportional or thresholded); returns the contributions with the new split',
      tags: ['contributions'], params: TaskParams, body: RewardSpec, response: { 200: ContributionView },
    },
  }, async (req) => {
    const task = tasks.get(req.params.id);
    if (!task.config.contribution?.enabled) throw new FlotillaError(ErrorCodes.CONTRIBUTION_INCOMPATIBLE, `task ${task.id} does not assess contribution (contribution.enabled is false)`);
    store.contributions.setReward(task.id, req.body);
    return view(task.id);
  });
};
