// A task that starts from a pretrained upload with frozen layers, over real sockets: the upload
// is checked and stored, round 0's federated accuracy is the uploaded model's own on the clients'
// held-out data, only trainable weights ever change (whatever the clients send), and another task
// can start from this one's committed model. Every bad start is a coded error at creation.

import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createModel, evaluateModel, exportTfjsArtifacts, initNodeBackend, loadPretrainedModel, setFlatWeights, trainableMask,
} from '@flotilla/models';
import { ErrorCodes, encodeFrame, type DataSchema, type ModelSpec } from '@flotilla/protocol';
import { evaluateWeights, fetchWeights, syntheticRows } from '../testing/evaluation.ts';
import { RawClient, api, createTask, eventually, operatorHeaders, smallTask, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';

const schema: DataSchema = {
  kind: 'tabular', features: ['a', 'b', 'c', 'd'].map((name) => ({ name, kind: 'numeric' as const })), label: 'y',
  target: { type: 'classification', classes: ['no', 'yes'] },
};

interface Upload { id: string; modelTopology: unknown; params: number; inputShape: number[]; outputShape: number[]; layers: { name: string; params: number; trainable: boolean }[] }
interface EvaluatePlan { taskId: string; round: number; modelVersion: number; weightsUrl: string }
interface Plan { taskId: string; round: number; modelVersion: number }

async function pretrainedFiles(): Promise<{ modelJson: string; weights: Uint8Array }> {
  await initNodeBackend('auto');
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ name: 'body', inputShape: [4], units: 8, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 11 }) }),
      tf.layers.dense({ name: 'head', units: 2, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 12 }) }),
    ],
  });
  // "Pretrained": a few epochs on the rule the clients' data follows.
  const data = syntheticRows(999, 400);
  const x = tf.tensor2d(data.features, [data.count, 4]);
  const y = tf.oneHot(tf.tensor1d(data.labels, 'int32'), 2);
  model.compile({ optimizer: tf.train.sgd(0.5), loss: 'categoricalCrossentropy' });
  await model.fit(x, y, { epochs: 5, batchSize: 20, shuffle: false, verbose: 0 });
  tf.dispose([x, y]);
  const { modelJson, weightData } = await exportTfjsArtifacts(model);
  model.dispose();
  return { modelJson: JSON.stringify(modelJson), weights: new Uint8Array(weightData) };
}

async function upload(url: string, files: { modelJson: string; weights: Uint8Array }): Promise<{ status: number; body: Record<string, unknown> }> {
  const form = new FormData();
  form.append('model.json', new Blob([files.modelJson], { type: 'application/json' }), 'model.json');
  form.append('weights.bin', new Blob([Uint8Array.from(files.weights)]), 'weights.bin');
  const response = await fetch(`${url}/api/models`, { method: 'POST', headers: operatorHeaders(), body: form });
  return { status: response.status, body: await response.json() as Record<string, unknown> };
}

describe('pretrained uploads and frozen layers', () => {
  let coordinator: TestCoordinator;
  let files: { modelJson: string; weights: Uint8Array };
  let record: Upload;
  const sockets: RawClient[] = [];
  const heldOut = [syntheticRows(7, 30), syntheticRows(8, 50)];

  beforeAll(async () => {
    coordinator = await startTestCoordinator();
    files = await pretrainedFiles();
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await coordinator?.close();
  });

  it('stores a checked upload once and describes its layers; a broken one is refused and nothing is stored', async () => {
    const first = await upload(coordinator.url, files);
    expect(first.status).toBe(201);
    record = first.body as unknown as Upload;
    expect(record).toMatchObject({ params: 58, inputShape: [4], outputShape: [2] });
    expect(record.layers).toEqual([{ name: 'body', params: 40, trainable: true }, { name: 'head', params: 18, trainable: true }]);
    const again = await upload(coordinator.url, files);
    expect(again).toMatchObject({ status: 200, body: { id: record.id } });

    const truncated = await upload(coordinator.url, { modelJson: files.modelJson, weights: files.weights.subarray(0, 100) });
    expect(truncated.status).toBe(400);
    expect(truncated.body).toMatchObject({ code: ErrorCodes.MODEL_INVALID });
    expect(String(truncated.body.message)).toContain('MODEL_WEIGHTS_SIZE');
    const graph = await api(coordinator.url, '/api/models', { method: 'POST', body: { modelJson: { format: 'graph-model', modelTopology: { node: [] } }, weights: '' } });
    expect(graph.status).toBe(400);
    expect(String(graph.body.message)).toContain('MODEL_NOT_LAYERS');
    const { body: list } = await api<{ uploads: Upload[] }>(coordinator.url, '/api/models/uploads');
    expect(list.uploads.map((u) => u.id)).toEqual([record.id]);
  });

  it('refuses, at creation, a start the model cannot make', async () => {
    const tfjs: ModelSpec = { kind: 'tfjs', modelTopology: record.modelTopology, freeze: { upTo: 'body' } };
    const base = { data: { dataset: null, schema, partition: { kind: 'iid', numClients: 2, seed: 1 } } };
    const refusals: [string, Record<string, unknown>, string][] = [
      ['an unknown upload', { model: tfjs, initialModel: { from: 'upload', uploadId: 'f'.repeat(64) } }, 'no uploaded model'],
      ['an upload for a zoo model', { model: { kind: 'mnist-2nn' }, initialModel: { from: 'upload', uploadId: record.id } }, "kind 'tfjs'"],
      ['a freeze of a layer it lacks', { model: { ...tfjs, freeze: { names: ['trunk'] } }, initialModel: { from: 'upload', uploadId: record.id } }, 'MODEL_FREEZE_INVALID'],
      ['a model that does not fit the schema', {
        model: tfjs, initialModel: { from: 'upload', uploadId: record.id },
        data: { ...base.data, schema: { ...schema, target: { type: 'classification', classes: ['a', 'b', 'c'] } } },
      }, 'MODEL_SCHEMA_MISMATCH'],
      ['an unknown task', { model: tfjs, initialModel: { from: 'task', taskId: 'nope' } }, 'no task nope'],
    ];
    for (const [what, patch, message] of refusals) {
      const { status, body } = await api<{ code: string; message: string }>(coordinator.url, '/api/tasks', { method: 'POST', body: smallTask({ ...base, ...patch } as never) });
      expect({ what, status, code: body.code }).toEqual({ what, status: 400, code: ErrorCodes.INVALID_TASK });
      expect(body.message).toContain(message);
    }
  });

  it('evaluates the uploaded model at round 0, and only its trainable weights change', async () => {
    const model: ModelSpec = { kind: 'tfjs', modelTopology: record.modelTopology, freeze: { upTo: 'body' } };
    const taskId = await createTask(coordinator.url, smallTask({
      model, initialModel: { from: 'upload', uploadId: record.id },
      data: { dataset: null, schema, partition: { kind: 'iid', numClients: 2, seed: 1 }, clientTestFraction: 0.2 },
      evaluation: { federated: { enabled: true, minClients: 2, deadlineMs: 10_000 } },
      // A server optimiser with momentum: it would keep moving any weight an update once touched.
      strategy: { name: 'fedavgm', serverLearningRate: 1, serverMomentum: 0.9 },
      fit: { minAvailableClients: 2, minFitClients: 2 }, stop: { maxRounds: 2, minReports: 2 },
    } as never));
    const clients = [new RawClient(coordinator.url), new RawClient(coordinator.url)];
    sockets.push(...clients);
    // 200 training examples each at a share of 0.2: up to 51 held out, which their 30 and 50 are.
    for (const c of clients) await c.hello({ taskId, numExamples: 200 });

    const plans = await Promise.all(clients.map((c) => c.next<EvaluatePlan>('evaluate.plan')));
    for (const [k, c] of clients.entries()) {
      const metrics = await evaluateWeights(model, schema, await fetchWeights(coordinator.url, plans[k]!.weightsUrl), heldOut[k]!);
      c.send({ type: 'evaluation', taskId, round: 0, modelVersion: 0, numExamples: heldOut[k]!.count, metrics });
    }
    // The uploaded model's own accuracy, computed from the files, not from what the coordinator serves.
    const uploaded = await loadPretrainedModel({ modelJson: files.modelJson, weights: files.weights });
    const own = await Promise.all(heldOut.map((d) => evaluateModel(uploaded, d.features, d.labels, d.count)));
    uploaded.dispose();
    const expected = (own[0]!.accuracy * 30 + own[1]!.accuracy * 50) / 80;

    for (let round = 1; round <= 2; round++) {
      const fits = await Promise.all(clients.map((c) => c.next<Plan>('round.plan')));
      const weights = await fetchWeights(coordinator.url, `/api/tasks/${taskId}/models/${fits[0]!.modelVersion}/weights.frame`);
      const frame = await (await fetch(`${coordinator.url}/api/tasks/${taskId}/models/${fits[0]!.modelVersion}/weights.frame`)).arrayBuffer();
      expect(frame.byteLength).toBeGreaterThan(weights.length * 4);
      // Clients that move every weight, frozen ones included (a buggy or lying trainer).
      for (const [i, c] of clients.entries()) {
        const shapes = [[8, 2], [2], [4, 8], [8]];
        const tensors = shapes.map((shape) => ({ shape, values: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.01 * (i + 1)) }));
        c.send(encodeFrame({ type: 'update', taskId, round: fits[i]!.round, modelVersion: fits[i]!.modelVersion, numExamples: 40, metrics: { loss: 0.5, accuracy: 0.8, trainMs: 3 } }, tensors));
      }
      for (const c of clients) expect((await c.next<{ outcome: string }>('round.end')).outcome).toBe('committed');
      const next = await Promise.all(clients.map((c) => c.next<EvaluatePlan>('evaluate.plan')));
      for (const [k, c] of clients.entries()) c.send({ type: 'evaluate.failed', taskId, round: next[k]!.round, code: 'FLT_NO_HELD_OUT_DATA', message: 'none' });
    }
    await eventually(async () => ((await api<{ state: string }>(coordinator.url, `/api/tasks/${taskId}`)).body.state === 'completed' ? true : undefined), 20_000, 'task completion');

    const { body } = await api<{ evaluations: { round: number; summary: { accuracy: number | null; clients: number; failed: number } }[] }>(coordinator.url, `/api/tasks/${taskId}/evaluations`);
    expect(body.evaluations[0]!.round).toBe(0);
    expect(body.evaluations[0]!.summary.accuracy).toBeCloseTo(expected, 10);
    expect(body.evaluations.slice(1).map((e) => [e.round, e.summary.clients, e.summary.failed])).toEqual([[1, 0, 2], [2, 0, 2]]);

    const mask = trainableMask(await createModel(model, 0, schema));
    const v0 = await fetchWeights(coordinator.url, `/api/tasks/${taskId}/models/0/weights.frame`);
    const v2 = await fetchWeights(coordinator.url, `/api/tasks/${taskId}/models/2/weights.frame`);
    const frozen = [...mask.keys()].filter((i) => mask[i] === 0);
    const trainable = [...mask.keys()].filter((i) => mask[i] === 1);
    expect(frozen).toHaveLength(40);
    expect(frozen.every((i) => v2[i] === v0[i])).toBe(true);
    expect(trainable.every((i) => v2[i] !== v0[i])).toBe(true);

    // Another task starts from this one's version 2, unfrozen: the same weights, matched by name.
    const unfrozen: ModelSpec = { kind: 'tfjs', modelTopology: record.modelTopology };
    const followerId = await createTask(coordinator.url, smallTask({
      model: unfrozen, initialModel: { from: 'task', taskId, version: 2 },
      data: { dataset: null, schema, partition: { kind: 'iid', numClients: 2, seed: 1 } },
    } as never), false);
    const start = await fetchWeights(coordinator.url, `/api/tasks/${followerId}/models/0/weights.frame`);
    const [source, follower] = [await createModel(model, 0, schema), await createModel(unfrozen, 0, schema)];
    setFlatWeights(source, v2);
    setFlatWeights(follower, start);
    const byName = (m: tf.LayersModel) => Object.fromEntries(m.weights.map((w) => [w.originalName, [...w.read().dataSync()]]));
    expect(byName(follower)).toEqual(byName(source));
    source.dispose();
    follower.dispose();
  });
});
