import { describe, expect, it } from 'vitest';
import { MNIST_SCHEMA, type FederatedSummary } from '@flotilla/protocol';
import type { TaskView } from './api.ts';
import { describeSchema, evaluationNotes } from './federatedView.ts';
import { initialState, reducer } from './store.ts';

const task = (data: Partial<TaskView['config']['data']>, extra: Partial<TaskView> = {}): TaskView => ({
  id: 't', name: 'own data', state: 'running', stopReason: null, createdAt: 0, updatedAt: 0, modelVersion: 1, lastRound: 1,
  config: {
    name: 'own data', seed: 1, limits: { maxUpdateNorm: 1000 }, privacy: { differentialPrivacy: { enabled: false, clippingNorm: 1, noiseMultiplier: 1, delta: 1e-5 } },
    model: { kind: 'schema', architecture: 'mlp' },
    data: { partition: { kind: 'iid', numClients: 4, seed: 1 }, testLimit: 100, simulation: true, ...data },
    strategy: { name: 'fedavg' },
    fit: { fractionFit: 1, minFitClients: 1, minAvailableClients: 1, overSelection: 1, epochs: 1, batchSize: 10, learningRate: 0.1, proximalMu: 0 },
    stop: { maxRounds: 5, roundDeadlineMs: 1000, minReports: 1 }, baseline: { enabled: false, maxEpochs: 1, patience: 1, validationFraction: 0.1 },
  },
  latestRound: null, baseline: null, currentRound: null, ...extra,
});
const summary = (round: number): FederatedSummary => ({
  round, modelVersion: round, metric: 'accuracy', asked: 3, clients: 3, failed: 0, examples: 60, loss: 0.5, accuracy: 0.8, mse: null, mae: null,
  spread: { min: 0.7, p10: 0.72, median: 0.8, max: 0.9, std: 0.08 },
});
const event = (type: string, data: Record<string, unknown>, seq: number) => ({ type, seq, taskId: 't', at: seq, data }) as never;

describe('the dashboard\'s data and evaluation panel', () => {
  it('describes each kind of schema in one line', () => {
    expect(describeSchema(MNIST_SCHEMA)).toBe('image 28×28×1, 10 classes (0, 1, 2, 3, 4, 5, …)');
    expect(describeSchema({
      kind: 'tabular', label: 'y', features: [{ name: 'age', kind: 'numeric' }, { name: 'city', kind: 'categorical', categories: ['a'] }],
      target: { type: 'regression', metric: 'mae' },
    })).toBe('table of 2 columns (age, city [cat]) → y: regression (mae)');
  });

  it('says plainly when there is no central test set and no baseline, and never for an MNIST task', () => {
    const own = evaluationNotes(task({ schema: MNIST_SCHEMA, dataset: 'ds' }));
    expect(own.join(' ')).toMatch(/no central test set/);
    expect(own.join(' ')).toMatch(/no centralized baseline/);
    expect(own.join(' ')).toMatch(/no accuracy is measured anywhere/);
    const mnist = evaluationNotes(task({ dataset: 'mnist' }, { baseline: { status: 'done', accuracy: 0.98, loss: 0.1, epochs: [], error: null } }));
    expect(mnist).toEqual([]);
  });

  it('follows an evaluation from its start to its summary, on the round it evaluated', () => {
    let state = reducer(initialState, { type: 'task', task: task({}) });
    state = reducer(state, { type: 'rounds', taskId: 't', rounds: [{ ...task({}).latestRound!, round: 1 } as never] });
    state = reducer(state, { type: 'events', events: [event('evaluation.started', { round: 1, modelVersion: 1, asked: 3, deadline: 99 }, 1)] });
    expect(state.tasks.t!.currentEvaluation).toMatchObject({ round: 1, asked: 3, reported: 0 });
    state = reducer(state, { type: 'events', events: [event('evaluation.report', { round: 1, reported: 2 }, 2)] });
    expect(state.tasks.t!.currentEvaluation?.reported).toBe(2);
    state = reducer(state, { type: 'evaluations', taskId: 't', evaluations: [summary(0)] });
    state = reducer(state, { type: 'events', events: [event('evaluation.completed', { ...summary(1) }, 3)] });
    expect(state.tasks.t!.currentEvaluation).toBeNull();
    expect(state.evaluations.t!.map((e) => e.round)).toEqual([0, 1]);
    expect(state.rounds.t![0]!.federated).toMatchObject({ round: 1, accuracy: 0.8 });
    expect(state.log.at(-1)!.text).toBe('round 1 evaluated on 3 of 3 clients (60 examples): accuracy 0.8000');
  });
});
