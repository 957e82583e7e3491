import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { holdoutSeed, partitionDataset, splitClientExamples } from '@flotilla/data';
import { createModel, getFlatWeights, initNodeBackend } from '@flotilla/models';
import type { TaskConfig } from '@flotilla/protocol';
import { DatasetRegistry } from '../datasets/DatasetRegistry.ts';
import { EventBus } from '../events/EventBus.ts';
import { SqliteStore } from '../store/SqliteStore.ts';
import { BaselineService, baselineJob } from '../engine/BaselineService.ts';
import { evaluateRound } from '../engine/roundEvaluation.ts';
import { resolveTaskData } from '../engine/taskData.ts';
import { syntheticCsv } from '../testing/syntheticDatasets.ts';
import type { ModelService } from './ModelService.ts';
import { evaluateOn, runBaseline, testExamples } from './datasetJobs.ts';

const table = (text: string) => ({ table: { bytes: new TextEncoder().encode(text), name: 't.csv' } });

describe('central evaluation and baselines on registered datasets', () => {
  let datasets: DatasetRegistry;
  let prices: string;
  let clinics: string;

  beforeAll(async () => {
    await initNodeBackend('auto');
    datasets = new DatasetRegistry(mkdtempSync(path.join(os.tmpdir(), 'flotilla-jobs-')));
    prices = (await datasets.register({ format: 'csv', name: 'prices', files: table(syntheticCsv({ rows: 300, clients: 3, regression: true })), options: { label: 'y', task: 'regression', metric: 'mae', clientColumn: 'hospital' } })).record.id;
    clinics = (await datasets.register({ format: 'csv', name: 'clinics', files: table(syntheticCsv({ rows: 200, clients: 4 })), options: { label: 'y', clientColumn: 'hospital' } })).record.id;
  });

  it('trains a regression baseline on the clients\' pooled training parts and evaluates it on their held-out parts', async () => {
    const config = await resolveTaskData({
      model: { kind: 'schema', architecture: 'mlp', options: { hiddenUnits: [8] } }, seed: 3,
      data: { dataset: prices, partition: { kind: 'natural', seed: 1 } }, fit: { batchSize: 16, learningRate: 0.05 },
      baseline: { maxEpochs: 8, patience: 3 },
    }, datasets);
    const epochs: unknown[] = [];
    const result = await runBaseline(baselineJob(config, datasets), (e) => epochs.push(e));

    const data = await datasets.load(prices);
    const splits = partitionDataset(config.data.partition, data).map((p, k) => splitClientExamples(p, 0.2, holdoutSeed(3, k)));
    expect(result.evaluatedOn).toBe('client-holdout');
    expect(result.accuracy).toBeNull();
    expect(result.trainExamples + result.validationExamples).toBe(splits.reduce((n, s) => n + s.train.length, 0));
    expect(epochs.length).toBe(result.epochs.length);
    const targets = Array.from(data.labels);
    const mean = targets.reduce((a, b) => a + b, 0) / targets.length;
    const variance = targets.reduce((a, t) => a + (t - mean) ** 2, 0) / targets.length;
    // Predicting the mean would score the variance; the trained model must do clearly better.
    expect(result.mse!).toBeLessThan(variance / 2);
    expect(result.loss).toBe(result.mse);
  });

  it('evaluates a classifier on a registered test set\'s first testLimit examples', async () => {
    const config = await resolveTaskData({ model: { kind: 'schema', architecture: 'logreg' }, data: { dataset: clinics, testDataset: clinics, testLimit: 50, partition: { kind: 'iid', numClients: 2, seed: 1 } } }, datasets);
    const model = await createModel(config.model, 1, config.data.schema);
    const test = await testExamples(datasets.source(clinics), config.data.testLimit);
    const result = await evaluateOn(model, test);

    expect(test.count).toBe(50);
    expect(result.accuracy).toBeGreaterThanOrEqual(0);
    expect(result.accuracy).toBeLessThanOrEqual(1);
    expect(Number.isFinite(result.loss)).toBe(true);
    expect(getFlatWeights(model).length).toBeGreaterThan(0);
    model.dispose();
  });

  it('runs no central evaluation for a task without a test set, and says why a task without a dataset has no baseline', async () => {
    const calls: unknown[] = [];
    const models = { evaluate: async (...args: unknown[]) => { calls.push(args); return { loss: 0, accuracy: 0 }; } } as unknown as ModelService;
    const noTest = await resolveTaskData({ model: { kind: 'schema', architecture: 'logreg' }, data: { dataset: clinics, partition: { kind: 'natural', seed: 1 } } }, datasets);
    expect(await evaluateRound(models, datasets, noTest, new Float32Array(1), { taskId: 't', round: 1 })).toEqual({ ok: true, result: null });
    expect(calls).toEqual([]);

    const own: TaskConfig = await resolveTaskData({ model: { kind: 'schema', architecture: 'logreg' }, data: { dataset: null, schema: noTest.data.schema, simulation: false, partition: { kind: 'iid', numClients: 2, seed: 1 } } }, datasets);
    const store = new SqliteStore(path.join(mkdtempSync(path.join(os.tmpdir(), 'flotilla-jobs-db-')), 'flotilla.db'));
    const baselines = new BaselineService(store, models, new EventBus(store), console, datasets);
    expect(baselines.record(own)).toMatchObject({ status: 'unavailable', error: expect.stringMatching(/bring their own data/) });
    expect(baselines.accuracyFor(own)).toBeNull();
    store.close();
  });

  it('leaves out the test examples lent to contribution\'s validation split', async () => {
    const source = datasets.source(clinics);
    const all = await testExamples(source, 200);
    const rest = await testExamples(source, 200, 150);
    expect(rest.count).toBe(all.count - 150);
    expect(Array.from(rest.labels)).toEqual(Array.from(all.labels.subarray(150)));
    expect((await testExamples(source, 20, 150)).count).toBe(20);
  });
});
