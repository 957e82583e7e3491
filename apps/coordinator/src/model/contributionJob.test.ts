import { describe, expect, it } from 'vitest';
import { createModel, getFlatWeights, initNodeBackend } from '@flotilla/models';
import { MAX_EXACT_PLAYERS, MNIST_SCHEMA } from '@flotilla/protocol';
import { DatasetCache } from '../datasets/datasetSource.ts';
import { runContributionJob } from './contributionJob.ts';
import type { ContributionJob } from './jobs.ts';

const GTG = { truncationTolerance: 0.005, roundTolerance: 0.001, convergenceTolerance: 0.05, maxPermutations: 20, seed: 1 };

describe('runContributionJob', () => {
  it('values a round on the validation split, falling back from exact to gtg above MAX_EXACT_PLAYERS and saying so', async () => {
    await initNodeBackend('auto');
    const model = await createModel({ kind: 'mnist-2nn' }, 1, MNIST_SCHEMA);
    const base = getFlatWeights(model);
    const players = MAX_EXACT_PLAYERS + 1;
    // Updates that change nothing: the full coalition's model is the previous one, and between-round truncation values the round 0.
    const job: ContributionJob = {
      model: { kind: 'mnist-2nn' }, schema: MNIST_SCHEMA, base,
      updates: Array.from({ length: players }, () => new Float32Array(base.length)), numExamples: Array.from({ length: players }, () => 10),
      validation: { key: 'job-test', source: { kind: 'builtin', id: 'mnist-test' }, indices: Uint32Array.from({ length: 100 }, (_, i) => i) },
      method: 'exact', gtg: GTG,
    };
    const progress: number[] = [];
    const result = await runContributionJob(job, model, new DatasetCache(1), (n) => progress.push(n));
    expect(result).toMatchObject({ method: 'gtg', truncated: true, evaluations: 2 });
    expect(result.values).toEqual(new Array(players).fill(0));
    expect(result.fullUtility).toBe(result.baseUtility);
    expect(progress).toEqual([1, 2]);
    model.dispose();
  });
});
