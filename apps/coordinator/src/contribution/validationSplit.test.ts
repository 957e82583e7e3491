import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { partitionDataset, partitionUnion } from '@flotilla/data';
import { ErrorCodes } from '@flotilla/protocol';
import { DatasetRegistry } from '../datasets/DatasetRegistry.ts';
import { resolveTaskConfig } from '../engine/taskConfig.ts';
import { validationSplit } from './validationSplit.ts';

const datasets = new DatasetRegistry(mkdtempSync(path.join(os.tmpdir(), 'flotilla-validation-')));
const task = (partition: Record<string, unknown>, validation: Record<string, unknown> = {}) =>
  resolveTaskConfig({ data: { partition, testDataset: 'mnist-test' }, contribution: { enabled: true, validation: { examples: 500, ...validation } } });

describe('validationSplit', () => {
  it('takes examples of the training pool that no client holds, the same ones on every build', async () => {
    const config = task({ kind: 'iid', numClients: 10, seed: 2, examplesPerClient: 100 });
    const split = await validationSplit(config, datasets);
    const held = new Set(partitionUnion(partitionDataset(config.data.partition, await datasets.load('mnist'))));
    expect(split.indices).toHaveLength(500);
    expect([...split.indices].some((i) => held.has(i))).toBe(false);
    expect(split).toMatchObject({ source: { kind: 'builtin', id: 'mnist' }, testSkip: 0 });
    expect(Array.from((await validationSplit(config, datasets)).indices)).toEqual(Array.from(split.indices));
  });

  it('borrows the first test examples when every training example belongs to a client, and says the test accuracy is measured on the rest', async () => {
    const split = await validationSplit(task({ kind: 'iid', numClients: 10, seed: 2 }), datasets);
    expect(split).toMatchObject({ source: { kind: 'builtin', id: 'mnist-test' }, testSkip: 500 });
    expect(Array.from(split.indices.subarray(0, 3))).toEqual([0, 1, 2]);
    expect(split.description).toMatch(/test set .*measured on the rest/);
  });

  it('refuses a validation dataset that is the training set or missing, with FLT_CONTRIBUTION_INCOMPATIBLE', async () => {
    const refusal = (validation: Record<string, unknown>) => validationSplit(task({ kind: 'iid', numClients: 10, seed: 2 }, validation), datasets).then(() => null, (e: { code: string; message: string }) => e);
    expect(await refusal({ dataset: 'mnist' })).toMatchObject({ code: ErrorCodes.CONTRIBUTION_INCOMPATIBLE, message: expect.stringMatching(/training set/) });
    expect(await refusal({ dataset: 'nope' })).toMatchObject({ code: ErrorCodes.CONTRIBUTION_INCOMPATIBLE });
  });
});
