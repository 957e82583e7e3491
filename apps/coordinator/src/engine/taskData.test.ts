import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, MNIST_SCHEMA, type DatasetRecord } from '@flotilla/protocol';
import { DatasetRegistry } from '../datasets/DatasetRegistry.ts';
import { syntheticCsv } from '../testing/syntheticDatasets.ts';
import { resolveTaskData, schemaDifference } from './taskData.ts';

const bytes = (text: string) => ({ bytes: new TextEncoder().encode(text), name: 'data.csv' });
const partition = { kind: 'iid', numClients: 4, seed: 1 };

describe('resolveTaskData', () => {
  let datasets: DatasetRegistry;
  let clinics: DatasetRecord;
  let noClients: DatasetRecord;
  let prices: DatasetRecord;
  let clinicsTest: DatasetRecord;

  beforeAll(async () => {
    datasets = new DatasetRegistry(mkdtempSync(path.join(os.tmpdir(), 'flotilla-taskdata-')));
    const register = async (text: string, options: Record<string, unknown>) => (await datasets.register({ format: 'csv', name: 'x', files: { table: bytes(text) }, options })).record;
    clinics = await register(syntheticCsv({ rows: 120, clients: 3 }), { label: 'y', clientColumn: 'hospital' });
    noClients = await register(syntheticCsv({ rows: 120, seed: 2 }), { label: 'y' });
    prices = await register(syntheticCsv({ rows: 80, regression: true }), { label: 'y', task: 'regression' });
    clinicsTest = await register(syntheticCsv({ rows: 30, clients: 3, seed: 5 }), { label: 'y', clientColumn: 'hospital', schemaFrom: clinics.id });
  });

  const refusal = async (input: unknown) => {
    const err = await resolveTaskData(input, datasets).then(() => null, (e: unknown) => e as { code: string; message: string });
    expect(err?.code).toBe(ErrorCodes.INVALID_TASK);
    return err!.message;
  };

  it('keeps what MNIST tasks always did: its schema, its test set, nothing held out, no federated evaluation', async () => {
    const config = await resolveTaskData({}, datasets);
    expect(config.data).toMatchObject({ dataset: 'mnist', schema: MNIST_SCHEMA, testDataset: 'mnist-test', clientTestFraction: 0 });
    expect(config.evaluation).toBeUndefined();
  });

  it('fills a registered dataset\'s schema and, without a test set, holds out 20% per client and evaluates on the clients', async () => {
    const config = await resolveTaskData({ data: { dataset: clinics.id, partition } }, datasets);
    expect(config.data.schema).toEqual(clinics.schema);
    expect(config.data.clientTestFraction).toBe(0.2);
    expect(config.data.testDataset).toBeUndefined();
    expect(config.evaluation?.federated).toMatchObject({ enabled: true, everyRounds: 1 });
  });

  it('keeps what the operator said about held-out shares and federated evaluation', async () => {
    const off = await resolveTaskData({ data: { dataset: clinics.id, partition, clientTestFraction: 0.1 }, evaluation: { federated: { enabled: false, everyRounds: 1, fractionClients: 1, minClients: 1, deadlineMs: 1000 } } }, datasets);
    expect(off.data.clientTestFraction).toBe(0.1);
    expect(off.evaluation?.federated.enabled).toBe(false);
    const withTest = await resolveTaskData({ data: { dataset: clinics.id, testDataset: clinicsTest.id, partition } }, datasets);
    expect(withTest.data.clientTestFraction).toBeUndefined();
    expect(withTest.evaluation).toBeUndefined();
  });

  it('refuses a schema other than the dataset\'s, naming where they differ', async () => {
    const other = { ...clinics.schema, label: 'outcome' };
    expect(await refusal({ data: { dataset: clinics.id, schema: other, partition } })).toMatch(/data\.schema differs .* at \/label: "outcome" instead of "y"/);
  });

  it('gives a natural partition one client per client id, and refuses it where the dataset names none', async () => {
    const config = await resolveTaskData({ data: { dataset: clinics.id, partition: { kind: 'natural', seed: 1 } } }, datasets);
    expect(config.data.partition).toEqual({ kind: 'natural', numClients: 3, seed: 1 });
    expect(await refusal({ data: { dataset: noClients.id, partition: { kind: 'natural', seed: 1 } } })).toMatch(/needs client ids/);
    expect(await refusal({ data: { dataset: clinics.id, partition: { kind: 'natural', numClients: 5, seed: 1 } } })).toMatch(/names 3 clients/);
    expect(await refusal({ data: { partition: { kind: 'natural', seed: 1 } } })).toMatch(/client ids/);
  });

  it('checks the partition against the dataset: class-driven splits need classes, and sizes must fit', async () => {
    expect(await refusal({ data: { dataset: prices.id, partition: { kind: 'shards', numClients: 4, seed: 1 } } })).toMatch(/not classes/);
    expect(await refusal({ data: { dataset: prices.id, partition: { kind: 'dirichlet', numClients: 4, seed: 1, alpha: 0.5 } } })).toMatch(/not classes/);
    expect(await refusal({ data: { dataset: noClients.id, partition: { kind: 'iid', numClients: 4, seed: 1, examplesPerClient: 100 } } })).toMatch(/does not fit/);
    const shards = await resolveTaskData({ data: { dataset: noClients.id, partition: { kind: 'shards', numClients: 4, seed: 1, shardsPerClient: 2 } } }, datasets);
    expect(shards.data.partition.kind).toBe('shards');
  });

  it('refuses unknown datasets and test sets, and a test set of another schema', async () => {
    expect(await refusal({ data: { dataset: 'ds-nope', partition } })).toMatch(/no dataset ds-nope/);
    expect(await refusal({ data: { dataset: clinics.id, testDataset: 'ds-nope', partition } })).toMatch(/testDataset: no dataset/);
    expect(await refusal({ data: { dataset: clinics.id, testDataset: noClients.id, partition } })).toMatch(/another schema/);
    expect(await refusal({ data: { dataset: clinics.id, testDataset: 'mnist-test', partition } })).toMatch(/another schema/);
  });

  it('needs a schema and no simulation when clients bring their own data', async () => {
    expect(await refusal({ data: { dataset: null, partition } })).toMatch(/needs data\.schema/);
    expect(await refusal({ data: { dataset: null, schema: clinics.schema, simulation: true, partition } })).toMatch(/simulation to false/);
    expect((await resolveTaskData({ data: { dataset: null, schema: clinics.schema, partition } }, datasets)).data.simulation).toBe(false);
    // A schema without a dataset is the clients' own data too (the default dataset, MNIST, is not taken).
    const unnamed = await resolveTaskData({ data: { schema: clinics.schema, partition } }, datasets);
    expect(unnamed.data).toMatchObject({ schema: clinics.schema, simulation: false });
    expect(unnamed.data.dataset).toBeUndefined();
    const own = await resolveTaskData({ data: { dataset: null, schema: clinics.schema, simulation: false, partition } }, datasets);
    expect(own.data).toMatchObject({ schema: clinics.schema, clientTestFraction: 0.2 });
    expect(own.evaluation?.federated.enabled).toBe(true);
  });

  it('names the first difference between two schemas, or none', () => {
    expect(schemaDifference(MNIST_SCHEMA, { ...MNIST_SCHEMA })).toBeNull();
    expect(schemaDifference({ ...MNIST_SCHEMA, height: 32 }, MNIST_SCHEMA)).toBe('/height: 32 instead of 28');
  });
});
