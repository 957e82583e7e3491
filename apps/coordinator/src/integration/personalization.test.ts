// Personalisation over real sockets, with Node clients running FlotillaClient and the real tfjs
// trainer: under FedPer each client's head never leaves it (every frame the coordinator received
// is inspected, and the global head stays as it was across commits), under Ditto the whole update
// travels; in both, clients evaluate global, personal and local-only models and the coordinator
// summarises them. A head that names no layer, or the whole model, is refused at creation.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FlotillaClient, TfjsTrainer, WeightsCache, examplesAsLocalData, memoryIdentity, memoryPersonalStore, type ClientEvent, type WebSocketLike } from '@flotilla/client';
import { clientPartition, gatherExamples, labelPartition, loadMnist } from '@flotilla/data';
import { initNodeBackend } from '@flotilla/models';
import { ErrorCodes, decodeFrame, encodeFrame, type DataSchema, type PartitionSpec, type PersonalizationSummary } from '@flotilla/protocol';
import { fetchWeights } from '../testing/evaluation.ts';
import { RawClient, api, createTask, eventually, smallTask, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';
import type { TaskConfigInput } from '../engine/taskConfig.ts';

// The 2NN's tensors in flat order: hidden1 [784,200] [200], hidden2 [200,200] [200], output [200,10] [10].
const BODY_SHAPES = [[784, 200], [200], [200, 200], [200]];
const HEAD_VALUES = 200 * 10 + 10;
const partition: PartitionSpec = { kind: 'shards', numClients: 3, seed: 4, shardsPerClient: 2, shardSize: 50 };

interface Evaluation { round: number; summary: { clients: number; personalization?: PersonalizationSummary } }

/** A client whose socket records every binary frame it sends: what the coordinator receives. */
async function recordingClients(url: string, taskId: string, sent: Uint8Array[], reported: Map<FlotillaClient, ClientEvent[]> = new Map()): Promise<FlotillaClient[]> {
  const { backend } = await initNodeBackend('auto');
  const trainer = new TfjsTrainer({ backend });
  const train = await loadMnist('train');
  const weights = new WeightsCache();
  return [0, 1, 2].map((i) => {
    const client = new FlotillaClient({
      url, kind: 'node', taskId, partitionIndex: i, trainer, weights, identity: memoryIdentity(), personal: memoryPersonalStore(),
      data: examplesAsLocalData(gatherExamples(train, clientPartition(labelPartition(partition), train.labels, i))),
      webSocket: (u) => {
        const socket = new WebSocket(u);
        const send = socket.send.bind(socket);
        socket.send = ((data: unknown, ...rest: unknown[]) => {
          if (typeof data !== 'string') sent.push(new Uint8Array(data as Uint8Array));
          return (send as (...a: unknown[]) => void)(data, ...rest);
        }) as typeof socket.send;
        return socket as unknown as WebSocketLike;
      },
      backoff: { baseMs: 50, maxMs: 500 },
      onEvent: (e) => { if (e.type === 'evaluation') reported.get(client)!.push(e); },
    });
    reported.set(client, []);
    client.start();
    return client;
  });
}

function personalTask(personalization: Record<string, unknown>, maxRounds: number): TaskConfigInput {
  return smallTask({
    model: { kind: 'mnist-2nn' },
    data: { partition, clientTestFraction: 0.2, testLimit: 200 },
    fit: { minAvailableClients: 3, minFitClients: 3, epochs: 1, batchSize: 20, learningRate: 0.1 },
    stop: { maxRounds, minReports: 3, roundDeadlineMs: 60_000 },
    evaluation: { federated: { enabled: true, everyRounds: maxRounds, fractionClients: 1, minClients: 3, deadlineMs: 60_000 } },
    personalization,
  } as TaskConfigInput);
}

describe('personalisation', () => {
  let coordinator: TestCoordinator;
  const clients: FlotillaClient[] = [];

  beforeAll(async () => {
    coordinator = await startTestCoordinator();
  });
  afterAll(async () => {
    for (const c of clients) c.stop();
    await coordinator?.close();
  });

  const finished = async (taskId: string, round: number) => eventually(async () => {
    const { body } = await api<{ evaluations: Evaluation[] }>(coordinator.url, `/api/tasks/${taskId}/evaluations`);
    return body.evaluations.find((e) => e.round === round);
  }, 90_000, `the evaluation of round ${round}`);

  it('refuses a head that names no layer or leaves no body, naming the field', async () => {
    for (const head of [{ names: ['nope'] }, { lastLayers: 3 }, undefined]) {
      const { status, body } = await api<{ code: string; message: string }>(coordinator.url, '/api/tasks', {
        method: 'POST', body: personalTask({ mode: 'fedper', ...(head ? { head } : {}) }, 1),
      });
      expect(status).toBe(400);
      expect(body.code).toBe(ErrorCodes.INVALID_TASK);
      expect(body.message).toContain('personalization.head');
    }
  });

  it('FedPer: an update carrying the head is refused with FLT_TENSOR_MISMATCH; a body-only one commits and leaves the global head as it was', async () => {
    const schema: DataSchema = {
      kind: 'tabular', features: ['a', 'b', 'c', 'd'].map((name) => ({ name, kind: 'numeric' as const })), label: 'y',
      target: { type: 'classification', classes: ['no', 'yes'] },
    };
    const taskId = await createTask(coordinator.url, smallTask({
      model: { kind: 'schema', architecture: 'mlp' },
      data: { dataset: null, schema, partition: { kind: 'iid', numClients: 2, seed: 5 } },
      fit: { minAvailableClients: 2, minFitClients: 2 },
      stop: { maxRounds: 1, minReports: 1 },
      personalization: { mode: 'fedper', head: { lastLayers: 1 } },
    } as TaskConfigInput));
    const [liar, honest] = [new RawClient(coordinator.url), new RawClient(coordinator.url)];
    try {
      for (const c of [liar, honest]) await c.hello({ taskId });
      const plans = await Promise.all([liar, honest].map((c) => c.next<{ round: number; modelVersion: number; weightsUrl: string; fit: { personalization?: { mode: string } } }>('round.plan')));
      expect(plans[0]!.fit.personalization?.mode).toBe('fedper');
      const frame = decodeFrame(new Uint8Array(await (await fetch(`${coordinator.url}${plans[0]!.weightsUrl}`)).arrayBuffer()));
      const update = (tensors: { shape: number[]; values: Float32Array }[]) => encodeFrame({
        type: 'update', taskId, round: plans[0]!.round, modelVersion: plans[0]!.modelVersion, numExamples: 50, metrics: { loss: 1, accuracy: 0.5, trainMs: 1 },
      }, tensors);
      const ones = frame.tensors.map((t) => ({ shape: t.shape, values: new Float32Array(t.values.length).fill(0.01) }));
      liar.send(update(ones));
      expect((await liar.next<{ code: string }>('error')).code).toBe(ErrorCodes.TENSOR_MISMATCH);
      honest.send(update(ones.slice(0, -2)));
      await honest.next('update.ack');
      await honest.next('round.end');
      const before = frame.tensors.map((t) => [...t.values]);
      const after = decodeFrame(new Uint8Array(await (await fetch(`${coordinator.url}/api/tasks/${taskId}/models/1/weights.frame`)).arrayBuffer())).tensors.map((t) => [...t.values]);
      // The head (the last layer's kernel and bias) is the initial one; the body moved by the honest update.
      expect(after.slice(-2)).toEqual(before.slice(-2));
      expect(after[0]![0]).toBeCloseTo(before[0]![0]! + 0.01, 5);
    } finally {
      liar.close();
      honest.close();
    }
  });

  it('FedPer: no frame carries the head, the global head never moves, personal metrics are summarised', async () => {
    const sent: Uint8Array[] = [];
    const reported = new Map<FlotillaClient, ClientEvent[]>();
    const taskId = await createTask(coordinator.url, personalTask({ mode: 'fedper', head: { lastLayers: 1 }, localBaseline: true }, 2));
    clients.push(...await recordingClients(coordinator.url, taskId, sent, reported));
    const evaluation = await finished(taskId, 2);
    for (const c of clients.splice(0)) c.stop();

    const updates = sent.map((bytes) => decodeFrame(bytes)).filter((f) => (f.message as { type: string }).type === 'update');
    expect(updates.length).toBeGreaterThanOrEqual(6);
    for (const frame of updates) expect(frame.tensors.map((t) => t.shape)).toEqual(BODY_SHAPES);

    const { body: task } = await api<{ modelVersion: number }>(coordinator.url, `/api/tasks/${taskId}`);
    expect(task.modelVersion).toBe(2);
    const versions = await Promise.all([0, 1, 2].map((v) => fetchWeights(coordinator.url, `/api/tasks/${taskId}/models/${v}/weights.frame`)));
    const head = (w: Float32Array) => w.subarray(w.length - HEAD_VALUES);
    const body = (w: Float32Array) => w.subarray(0, w.length - HEAD_VALUES);
    expect(head(versions[1]!)).toEqual(head(versions[0]!));
    expect(head(versions[2]!)).toEqual(head(versions[0]!));
    // The body did train.
    expect(body(versions[2]!)).not.toEqual(body(versions[0]!));

    const summary = evaluation.summary.personalization!;
    expect(summary.mode).toBe('fedper');
    expect(summary.clients).toBe(3);
    expect(summary.perClient).toHaveLength(3);
    for (const c of summary.perClient) expect(c.localOnly).not.toBeNull();
    const gains = summary.perClient.map((c) => c.personal - c.global);
    expect(summary.meanGain).toBeCloseTo(gains.reduce((a, b) => a + b, 0) / 3, 10);
    expect(summary.beatsGlobal).toBe(summary.perClient.filter((c) => c.personal > c.global).length / 3);
    expect(summary.beatsBoth).toBe(summary.perClient.filter((c) => c.personal > c.global && c.personal > c.localOnly!).length / 3);
    // Each row is what that client measured and reported for the evaluated version.
    for (const [client, events] of reported) {
      const last = events.at(-1) as Extract<ClientEvent, { type: 'evaluation'; outcome: 'reported' }>;
      expect(last.round).toBe(2);
      expect(summary.perClient.find((c) => c.clientId === client.clientId)).toEqual({
        clientId: client.clientId, global: last.metrics.accuracy, personal: last.personal!.accuracy, localOnly: last.localOnly!.accuracy,
      });
    }
  }, 120_000);

  it('Ditto: the whole model trains federated, each client evaluates its personal and local-only models', async () => {
    const sent: Uint8Array[] = [];
    const taskId = await createTask(coordinator.url, personalTask({ mode: 'ditto', lambda: 0.5, localBaseline: true }, 1));
    clients.push(...await recordingClients(coordinator.url, taskId, sent));
    const evaluation = await finished(taskId, 1);
    for (const c of clients.splice(0)) c.stop();

    const updates = sent.map((bytes) => decodeFrame(bytes)).filter((f) => (f.message as { type: string }).type === 'update');
    for (const frame of updates) expect(frame.tensors.map((t) => t.shape)).toEqual([...BODY_SHAPES, [200, 10], [10]]);
    const summary = evaluation.summary.personalization!;
    expect(summary.mode).toBe('ditto');
    expect(summary.clients).toBe(evaluation.summary.clients);
    expect(summary.clients).toBe(3);
    for (const c of summary.perClient) {
      expect(c.personal).toBeGreaterThanOrEqual(0);
      expect(c.localOnly).not.toBeNull();
    }
    expect(summary.beatsBoth).not.toBeNull();
  }, 120_000);
});
