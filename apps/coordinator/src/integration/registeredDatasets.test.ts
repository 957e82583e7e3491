// Tasks on registered datasets over real sockets: a natural partition serves each client exactly
// the rows of its id, shards and Dirichlet keep their label statistics, and a CSV task trained by
// Node clients is evaluated centrally on its registered test set, next to its baseline.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import WebSocket from 'ws';
import { FlotillaClient, TfjsTrainer, WeightsCache, memoryIdentity, type WebSocketLike } from '@flotilla/client';
import { holdoutSeed, importCsvDataset, labelHistogram, partitionDataset, splitClientExamples } from '@flotilla/data';
import { initNodeBackend } from '@flotilla/models';
import { decodeFrame, schemaInputShape, type DatasetRecord, type TabularSchema } from '@flotilla/protocol';
import { api, createTask, eventually, operatorHeaders, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';
import { syntheticCsv, syntheticIdx } from '../testing/syntheticDatasets.ts';

async function register(url: string, fields: Record<string, string>, files: Record<string, { bytes: Uint8Array | string; name: string }>): Promise<DatasetRecord> {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.append(k, v);
  for (const [role, file] of Object.entries(files)) body.append(role, new Blob([file.bytes as BlobPart]), file.name);
  const response = await fetch(`${url}/api/datasets`, { method: 'POST', body, headers: operatorHeaders() });
  expect(response.status).toBe(201);
  return await response.json() as DatasetRecord;
}

async function partition(url: string, taskId: string, index: number) {
  const response = await fetch(`${url}/api/simulation/tasks/${taskId}/partitions/${index}`);
  expect(response.status).toBe(200);
  const frame = decodeFrame(new Uint8Array(await response.arrayBuffer()));
  const [features, labels] = frame.tensors;
  return { header: frame.message as { count: number; schema: unknown }, features: features!, labels: labels! };
}

describe('tasks on registered datasets', () => {
  let coordinator: TestCoordinator;
  const csv = syntheticCsv({ rows: 240, clients: 4, seed: 11 });
  let clinics: DatasetRecord;

  beforeAll(async () => {
    coordinator = await startTestCoordinator();
    clinics = await register(coordinator.url, { format: 'csv', label: 'y', clientColumn: 'hospital' }, { table: { bytes: csv, name: 'clinics.csv' } });
  });
  afterAll(() => coordinator.close());

  it('serves each client of a natural partition exactly the rows of its client id', async () => {
    const taskId = await createTask(coordinator.url, { name: 'natural', model: { kind: 'schema', architecture: 'logreg' }, data: { dataset: clinics.id, partition: { kind: 'natural', seed: 1 } }, baseline: { enabled: false } }, false);
    const local = importCsvDataset(csv, clinics.schema as TabularSchema, { clientColumn: 'hospital' });
    const width = schemaInputShape(clinics.schema)[0]!;

    for (const [k, id] of ['h0', 'h1', 'h2', 'h3'].entries()) {
      const rows = local.clientIds!.flatMap((c, i) => (c === id ? [i] : []));
      const { header, features, labels } = await partition(coordinator.url, taskId, k);
      expect(header).toMatchObject({ count: rows.length, schema: clinics.schema });
      expect(features.shape).toEqual([rows.length, width]);
      expect(Array.from(labels.values)).toEqual(rows.map((i) => local.labels[i]));
      expect(Array.from(features.values.subarray(0, width))).toEqual(Array.from(local.features.subarray(rows[0]! * width, (rows[0]! + 1) * width)));
    }
    // The schema model exports with the schema's input, so the operator can load it anywhere.
    await initNodeBackend('auto');
    const model = await tf.loadLayersModel(`${coordinator.url}/api/tasks/${taskId}/models/0/model.json`, { requestInit: { headers: operatorHeaders() } });
    expect(model.inputs[0]!.shape).toEqual([null, width]);
    expect(model.outputs[0]!.shape).toEqual([null, 2]);
    model.dispose();
  });

  it('keeps the label statistics of shards and Dirichlet partitions of a registered image dataset', async () => {
    const { images, labels } = syntheticIdx(200, 6, 6, 5);
    const bands = await register(coordinator.url, { format: 'idx', classes: 'a,b,c,d,e' }, { images: { bytes: images, name: 'i.idx' }, labels: { bytes: labels, name: 'l.idx' } });
    expect(bands.classCounts).toEqual([40, 40, 40, 40, 40]);
    const local = new Int32Array(200).map((_, i) => i % 5);

    for (const spec of [{ kind: 'shards', numClients: 5, seed: 3, shardsPerClient: 2 }, { kind: 'dirichlet', numClients: 5, seed: 3, alpha: 0.3 }] as const) {
      const taskId = await createTask(coordinator.url, { name: spec.kind, model: { kind: 'schema', architecture: 'mlp' }, data: { dataset: bands.id, partition: spec }, baseline: { enabled: false } }, false);
      const expected = partitionDataset(spec, { schema: bands.schema, count: 200, labels: local });
      const pooled = [0, 0, 0, 0, 0];
      for (let k = 0; k < 5; k++) {
        const served = Int32Array.from((await partition(coordinator.url, taskId, k)).labels.values);
        const histogram = labelHistogram(served, Uint32Array.from(served.keys()), 5);
        expect(histogram).toEqual(labelHistogram(local, expected[k]!, 5));
        if (spec.kind === 'shards') expect(histogram.filter((n) => n > 0).length).toBeLessThanOrEqual(2);
        histogram.forEach((n, c) => (pooled[c]! += n));
      }
      if (spec.kind === 'shards') expect(pooled).toEqual(bands.classCounts);
    }
  });

  it('trains a CSV task with Node clients, evaluates it on the registered test set, and trains its baseline', async () => {
    const test = await register(coordinator.url, { format: 'csv', label: 'y', clientColumn: 'hospital', schemaFrom: clinics.id }, { table: { bytes: syntheticCsv({ rows: 200, clients: 4, seed: 12 }), name: 'test.csv' } });
    const inputs = schemaInputShape(clinics.schema)[0]!;
    const fraction = 0.25;
    const taskId = await createTask(coordinator.url, {
      name: 'clinics', model: { kind: 'logreg', inputs, classes: 2 }, seed: 4,
      data: { dataset: clinics.id, testDataset: test.id, clientTestFraction: fraction, partition: { kind: 'natural', seed: 1 }, testLimit: 200 },
      fit: { fractionFit: 1, minFitClients: 4, minAvailableClients: 4, batchSize: 8, learningRate: 0.5, epochs: 2 },
      stop: { maxRounds: 3, targetAccuracy: null, roundDeadlineMs: 30_000, minReports: 4 },
      baseline: { enabled: true, maxEpochs: 5, patience: 2 },
    });
    const { backend } = await initNodeBackend('auto');
    const trainer = new TfjsTrainer({ backend });
    const weights = new WeightsCache();
    const clients: FlotillaClient[] = [];
    for (let k = 0; k < 4; k++) {
      const { features, labels } = await partition(coordinator.url, taskId, k);
      // The whole partition: the client splits off its held-out part itself (the holdoutSeed rule) and trains on the rest.
      const client = new FlotillaClient({
        url: coordinator.url, kind: 'node', taskId, partitionIndex: k, trainer, weights, identity: memoryIdentity(),
        data: { features: features.values.slice(), labels: Uint8Array.from(labels.values), count: labels.values.length },
        webSocket: (u) => new WebSocket(u) as unknown as WebSocketLike, backoff: { baseMs: 50, maxMs: 500 },
      });
      client.start();
      clients.push(client);
    }
    try {
      const rounds = await eventually(async () => {
        const { body } = await api<{ rounds: { outcome: string; testAccuracy: number | null; reported: number }[] }>(coordinator.url, `/api/tasks/${taskId}/rounds`);
        return body.rounds.filter((r) => r.outcome === 'committed').length >= 3 ? body.rounds : undefined;
      }, 60_000, 'three committed rounds');
      const majority = Math.max(...test.classCounts!) / test.count;
      const last = rounds.filter((r) => r.outcome === 'committed').at(-1)!;
      expect(last.reported).toBe(4);
      expect(last.testAccuracy).toBeGreaterThan(majority + 0.1);

      await coordinator.app.coordinator.baselines.settled();
      const { body } = await api<{ baseline: { status: string; accuracy: number; evaluatedOn: string } }>(coordinator.url, `/api/tasks/${taskId}`);
      expect(body.baseline).toMatchObject({ status: 'done', evaluatedOn: 'test-set' });
      expect(body.baseline.accuracy).toBeGreaterThan(majority + 0.1);
    } finally {
      for (const c of clients) c.stop();
    }
  });
});
