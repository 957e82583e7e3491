import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, type ContributionView } from '@flotilla/protocol';
import { buildApp } from '../app.ts';

const TOKEN = 'contribution-operator-token-0123';
const auth = { authorization: `Bearer ${TOKEN}` };
const small = { data: { partition: { kind: 'iid', numClients: 4, seed: 1, examplesPerClient: 50 }, testLimit: 200 }, baseline: { enabled: false } };

describe('contribution routes', () => {
  let app: FastifyInstance;
  let taskId: string;

  beforeAll(async () => {
    app = await buildApp({ dataDir: mkdtempSync(path.join(os.tmpdir(), 'flotilla-contrib-')), operatorToken: TOKEN });
    const created = await app.inject({ method: 'POST', url: '/api/tasks', headers: auth, payload: { ...small, contribution: { enabled: true, validation: { examples: 200 }, selection: { policy: 'exclude' } } } });
    expect(created.statusCode).toBe(201);
    taskId = created.json<{ id: string; config: { contribution: unknown } }>().id;
    // Two valued rounds, as the valuation would store them: 'b' helped, 'c' hurt, 'a' in between.
    app.coordinator.store.contributions.putRound(taskId, { round: 1, method: 'gtg', metric: 'accuracy', baseUtility: 0.1, fullUtility: 0.5, evaluations: 7, truncated: false, elapsedMs: 12, values: { a: 0.1, b: 0.35, c: -0.05 } });
    app.coordinator.store.contributions.putRound(taskId, { round: 2, method: 'gtg', metric: 'accuracy', baseUtility: 0.5, fullUtility: 0.6, evaluations: 6, truncated: false, elapsedMs: 10, values: { a: 0.05, 'c,"x"': 0.01, c: -0.01 } });
  }, 120_000);
  afterAll(async () => app?.close());

  it('fills the defaults of contribution at creation', async () => {
    const task = (await app.inject({ method: 'GET', url: `/api/tasks/${taskId}`, headers: auth })).json<{ config: { contribution: Record<string, unknown> } }>();
    expect(task.config.contribution).toMatchObject({
      enabled: true, method: 'gtg', validation: { examples: 200 }, maxPermutations: 50,
      reward: { kind: 'proportional', pool: 100, threshold: 0.05 }, selection: { policy: 'exclude', minRounds: 3, floorWeight: 0.1 },
    });
  });

  it('shows the standings ranked by cumulative value, every valued round and where the utility is measured', async () => {
    const response = await app.inject({ method: 'GET', url: `/api/tasks/${taskId}/contributions`, headers: auth });
    expect(response.statusCode).toBe(200);
    const view = response.json<ContributionView>();
    expect(view).toMatchObject({ enabled: true, method: 'gtg', metric: 'accuracy', validation: '200 held-out examples of MNIST (training set) that no client holds' });
    expect(view.standings.map((s) => [s.clientId, s.rank, s.rounds])).toEqual([['b', 1, 1], ['a', 2, 2], ['c,"x"', 3, 1], ['c', 4, 2]]);
    const c = view.standings.find((s) => s.clientId === 'c')!;
    expect(c).toMatchObject({ share: 0, reward: 0, lastValue: -0.01 });
    expect(c.cumulative).toBeCloseTo(-0.06);
    expect(view.standings.reduce((sum, s) => sum + s.share, 0)).toBeCloseTo(1);
    expect(view.standings[0]!.share).toBeCloseTo(0.35 / 0.51);
    expect(view.rounds.map((r) => r.round)).toEqual([1, 2]);
  });

  it('exports the standings and the rounds as RFC 4180 CSV', async () => {
    const standings = await app.inject({ method: 'GET', url: `/api/tasks/${taskId}/contributions.csv`, headers: auth });
    expect(standings.headers['content-type']).toMatch(/^text\/csv/);
    const lines = standings.body.split('\r\n');
    expect(lines[0]).toBe('rank,client,cumulative,rounds,share,reward');
    expect(lines[1]!.startsWith('1,b,0.35,1,')).toBe(true);
    expect(lines[3]!.startsWith('3,"c,""x""",0.01,1,')).toBe(true);
    expect(lines.at(-1)).toBe('');
    const rounds = await app.inject({ method: 'GET', url: `/api/tasks/${taskId}/contributions.csv?rounds=1`, headers: auth });
    expect(rounds.body.split('\r\n').slice(0, 2)).toEqual(['round,method,client,value', '1,gtg,a,0.1']);
    expect(rounds.body.split('\r\n')).toHaveLength(1 + 6 + 1);
  });

  it('sets a thresholded reward split, and refuses a bad one with a code', async () => {
    const response = await app.inject({ method: 'PUT', url: `/api/tasks/${taskId}/contributions/reward`, headers: auth, payload: { kind: 'threshold', pool: 1000, threshold: 0.2 } });
    expect(response.statusCode).toBe(200);
    const view = response.json<ContributionView>();
    expect(view.reward).toEqual({ kind: 'threshold', pool: 1000, threshold: 0.2 });
    // a's share (0.15 / 0.51) passes 0.2 only before renormalising: b and a split the pool, c,"x" (2 %) gets nothing.
    expect(view.standings.map((s) => Math.round(s.reward))).toEqual([Math.round(1000 * 0.35 / 0.5), Math.round(1000 * 0.15 / 0.5), 0, 0]);
    const again = (await app.inject({ method: 'GET', url: `/api/tasks/${taskId}/contributions`, headers: auth })).json<ContributionView>();
    expect(again.reward.kind).toBe('threshold');
    for (const payload of [{ kind: 'lottery' }, { pool: -1 }, { threshold: 2 }, 'nonsense']) {
      const bad = await app.inject({ method: 'PUT', url: `/api/tasks/${taskId}/contributions/reward`, headers: { ...auth, 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
      expect(bad.statusCode).toBe(400);
      expect(bad.json<{ code: string }>().code).toBe(ErrorCodes.SCHEMA_VIOLATION);
    }
  });

  it('answers 404 for a task that does not exist and 401 without the operator token', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/tasks/nope/contributions', headers: auth })).json<{ code: string }>().code).toBe(ErrorCodes.TASK_NOT_FOUND);
    expect((await app.inject({ method: 'GET', url: `/api/tasks/${taskId}/contributions.csv` })).statusCode).toBe(401);
    expect((await app.inject({ method: 'PUT', url: `/api/tasks/${taskId}/contributions/reward`, payload: { pool: 1 } })).statusCode).toBe(401);
  });

  it('refuses contribution where single updates are hidden or there is no validation data, saying why', async () => {
    const refusal = async (config: Record<string, unknown>) => {
      const response = await app.inject({ method: 'POST', url: '/api/tasks', headers: auth, payload: { ...small, ...config } });
      expect(response.statusCode).toBe(400);
      const body = response.json<{ code: string; message: string }>();
      expect(body.code).toBe(ErrorCodes.CONTRIBUTION_INCOMPATIBLE);
      return body.message;
    };
    const on = { contribution: { enabled: true } };
    expect(await refusal({ ...on, privacy: { secureAggregation: { enabled: true } } })).toMatch(/secureAggregation.*only the sum/);
    expect(await refusal({ ...on, privacy: { differentialPrivacy: { enabled: true, noiseMultiplier: 1, clipNorm: 1 } } })).toMatch(/differentialPrivacy/);
    expect(await refusal({ ...on, privacy: { dpSgd: { enabled: true } } })).toMatch(/dpSgd/);
    expect(await refusal({ ...on, asynchronous: { enabled: true } })).toMatch(/asynchronous/);
    expect(await refusal({ ...on, data: { dataset: null, schema: { kind: 'tabular', features: [{ name: 'x', kind: 'numeric' }], label: 'y', target: { type: 'regression', metric: 'mae' } }, model: { kind: 'mlp' }, simulation: false, partition: { kind: 'iid', numClients: 2, seed: 1 } } })).toMatch(/no dataset/);
    expect(await refusal({ contribution: { enabled: true, validation: { dataset: 'missing' } } })).toMatch(/no dataset missing/);
    // Every training example belongs to a client and 2 × 6,000 test examples are more than MNIST's 10,000.
    expect(await refusal({ contribution: { enabled: true, validation: { examples: 6000 } }, data: { partition: { kind: 'iid', numClients: 10, seed: 1 } } })).toMatch(/leaves 0 .*only 10,000/);
  });
});
