// GTG-Shapley on a real task: MNIST clients train locally (Node, WASM), one on shuffled labels;
// the coordinator-side valuation (coalitionUtility + gtgShapley) ranks that client last.
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng, exactShapley, gtgShapley, shuffleInPlace, spearman } from '@flotilla/core';
import { gatherExamples, loadMnist, partitionIndices } from '@flotilla/data';
import { MNIST_SCHEMA } from '@flotilla/protocol';
import { coalitionUtility } from './coalitionUtility.ts';
import { createModel } from './zoo.ts';
import { getFlatWeights, setFlatWeights } from './weights.ts';
import { trainLocal } from './train.ts';
import { initNodeBackend } from './backendNode.ts';

const CLIENTS = 5;
const NOISY = 3;
const spec = { kind: 'mnist-2nn' as const };

beforeAll(async () => {
  await initNodeBackend('wasm');
});

describe('contribution on MNIST', () => {
  it('values the client trained on shuffled labels lowest, close to exact Shapley', async () => {
    const [train, test] = await Promise.all([loadMnist('train', { limit: 5000 }), loadMnist('test', { limit: 500 })]);
    const parts = partitionIndices({ kind: 'iid', numClients: CLIENTS, seed: 3, examplesPerClient: 200 }, train.labels);
    const model = await createModel(spec, 1);
    const previous = getFlatWeights(model);
    const updates = [];
    for (const [c, part] of parts.entries()) {
      const d = gatherExamples(train, part);
      const labels = c === NOISY ? shuffleInPlace(d.labels.slice(), createRng(17)) : d.labels;
      setFlatWeights(model, previous);
      const { numExamples } = await trainLocal(model, { features: d.images, labels, count: d.count }, { epochs: 1, batchSize: 10, learningRate: 0.1, seed: c });
      updates.push({ weights: getFlatWeights(model), numExamples });
    }
    model.dispose();
    const valuation = await coalitionUtility(spec, MNIST_SCHEMA, { previous, updates, validation: { features: test.images, labels: test.labels, count: test.count } });

    const gtg = await gtgShapley(CLIENTS, valuation.utility, { truncationTolerance: 0.005, roundTolerance: 0.001, convergenceTolerance: 0.05, maxPermutations: 50, seed: 1 });
    const exact = await exactShapley(CLIENTS, valuation.utility);
    valuation.dispose();

    const lowest = gtg.values.indexOf(Math.min(...gtg.values));
    expect(lowest).toBe(NOISY);
    expect(exact.values.indexOf(Math.min(...exact.values))).toBe(NOISY);
    expect(spearman(gtg.values, exact.values)).toBeGreaterThanOrEqual(0.8);
    expect(gtg.fullUtility).toBeGreaterThan(gtg.baseUtility + 0.3);
    expect(gtg.evaluations).toBeLessThanOrEqual(exact.evaluations);
  });
});
