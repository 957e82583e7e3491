// Where issue #13's features meet, over real sockets with Node clients running FlotillaClient and
// the real tfjs trainer: an int8 asynchronous (FedBuff) task, adaptive work with a float16 uplink,
// FedPer with a top-k uplink (only the body is encoded), and the combinations refused at creation.
// Every update frame a client sends is recorded on its side of the socket and decoded, so the
// checks are about what actually travelled.

import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  FlotillaClient, SlowTrainer, TfjsTrainer, WeightsCache, examplesAsLocalData, memoryIdentity, memoryPersonalStore, memoryResidualStore,
  type ResidualStore, type Trainer, type WebSocketLike,
} from '@flotilla/client';
import { clientPartition, gatherExamples, labelPartition, loadMnist } from '@flotilla/data';
import { initNodeBackend } from '@flotilla/models';
import { ErrorCodes, decodeFrame, type DecodedFrame, type PartitionSpec, type RoundDetailView, type TaskView } from '@flotilla/protocol';
import { fetchWeights } from '../testing/evaluation.ts';
import { api, createTask, eventually, smallTask, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';
import type { TaskConfigInput } from '../engine/taskConfig.ts';

// The 2NN's tensors: hidden1 [784,200] [200], hidden2 [200,200] [200], output [200,10] [10].
const MODEL_VALUES = 784 * 200 + 200 + 200 * 200 + 200 + 200 * 10 + 10;
const BODY_SHAPES = [[784, 200], [200], [200, 200], [200]];
const HEAD_VALUES = 200 * 10 + 10;

interface Recorded {
  client: FlotillaClient;
  /** The update frames this client's socket sent, decoded. */
  updates: DecodedFrame[];
  /** Binary bytes this client's socket sent. */
  bytesUp: number;
}

/** MNIST clients on their own partitions, each on its own trainer, recording every update frame they send. */
async function recordingClients(
  url: string, taskId: string, partition: PartitionSpec, trainers: Trainer[], options: { residuals?: ResidualStore[] } = {},
): Promise<Recorded[]> {
  const train = await loadMnist('train');
  return trainers.map((trainer, i) => {
    const recorded = { updates: [] as DecodedFrame[], bytesUp: 0 } as Recorded;
    recorded.client = new FlotillaClient({
      url, kind: 'node', taskId, partitionIndex: i, trainer, weights: new WeightsCache(), identity: memoryIdentity(), personal: memoryPersonalStore(),
      ...(options.residuals ? { residuals: options.residuals[i]! } : {}),
      data: examplesAsLocalData(gatherExamples(train, clientPartition(labelPartition(partition), train.labels, i))),
      webSocket: (u) => {
        const socket = new WebSocket(u);
        const send = socket.send.bind(socket);
        socket.send = ((data: unknown, ...rest: unknown[]) => {
          if (data instanceof Uint8Array) {
            recorded.bytesUp += data.byteLength;
            const frame = decodeFrame(new Uint8Array(data));
            if ((frame.message as { type: string }).type === 'update') recorded.updates.push(frame);
          }
          return (send as (...a: unknown[]) => void)(data, ...rest);
        }) as typeof socket.send;
        return socket as unknown as WebSocketLike;
      },
      backoff: { baseMs: 50, maxMs: 500 },
    });
    recorded.client.start();
    return recorded;
  });
}

const codecsOf = (frames: readonly DecodedFrame[]) => new Set(frames.flatMap((f) => f.tensors.map((t) => t.codec ?? 'float32')));

describe('where communication and heterogeneity meet', () => {
  let coordinator: TestCoordinator | undefined;
  let running: Recorded[] = [];
  let shared: TfjsTrainer;

  const start = async () => {
    coordinator = await startTestCoordinator();
    const { backend } = await initNodeBackend('auto');
    shared ??= new TfjsTrainer({ backend });
    return coordinator;
  };
  const finished = (c: TestCoordinator, taskId: string) => eventually(async () => {
    const { body } = await api<TaskView>(c.url, `/api/tasks/${taskId}`);
    return body.state === 'running' || body.state === 'created' ? undefined : body;
  }, 90_000, 'the task to finish');
  const detail = async (c: TestCoordinator, taskId: string, round: number) => (await api<RoundDetailView>(c.url, `/api/tasks/${taskId}/rounds/${round}`)).body;

  afterEach(async () => {
    for (const r of running) r.client.stop();
    running = [];
    await coordinator?.close();
    coordinator = undefined;
  });

  it('an int8 asynchronous task: every update goes up in int8, a version commits per buffer, and each version counts the bytes its updates carried', async () => {
    // Arrange: K = 2 updates a version, two versions.
    const c = await start();
    const partition: PartitionSpec = { kind: 'iid', numClients: 2, seed: 6, examplesPerClient: 60 };
    const taskId = await createTask(c.url, smallTask({
      data: { partition, testLimit: 200 }, fit: { minAvailableClients: 2, epochs: 1 }, stop: { maxRounds: 2 },
      communication: { uplink: { codec: 'int8', granularity: 'tensor', stochastic: true }, downlink: { codec: 'float32' }, downlinkDelta: false },
      asynchronous: { enabled: true, bufferSize: 2, concurrency: 2, maxStaleness: 10 },
    }));
    // Act
    running = await recordingClients(c.url, taskId, partition, [shared, shared]);
    const task = await finished(c, taskId);
    // Assert: two versions of two updates each, every update in int8, a quarter of float32's bytes
    expect(task.state).toBe('completed');
    expect(task.modelVersion).toBe(2);
    const rounds = await Promise.all([1, 2].map((r) => detail(c, taskId, r)));
    expect(rounds.map((r) => [r.outcome, r.modelVersion, r.asynchronous?.bufferSize])).toEqual([['committed', 1, 2], ['committed', 2, 2]]);
    const updates = running.flatMap((r) => r.updates);
    expect(updates.length).toBeGreaterThanOrEqual(4);
    expect(codecsOf(updates)).toEqual(new Set(['int8']));
    for (const r of rounds) {
      // Each version's upload is its K int8 updates: about one byte a weight each, far under float32's four.
      expect(r.bytesUp).toBeGreaterThanOrEqual(2 * MODEL_VALUES);
      expect(r.bytesUp).toBeLessThan((2 * MODEL_VALUES * 4) / 3.5);
      // The dashboard's per-client bytes of a version add up to its total.
      expect(r.clients.reduce((n, x) => n + (x.bytesUp ?? 0), 0)).toBe(r.bytesUp);
    }
    // No client is counted more than its socket carried.
    for (const rec of running) {
      expect(rounds.reduce((n, r) => n + (r.clients.find((x) => x.clientId === rec.client.clientId)?.bytesUp ?? 0), 0)).toBeLessThanOrEqual(rec.bytesUp);
    }
  }, 120_000);

  it('adaptive work with a float16 uplink: the slow client is asked for fewer steps, both report in float16, the versions commit', async () => {
    // Arrange: E = 2, B = 10 → 20 full steps; one client 40× slower, both claiming the same speed at hello.
    const c = await start();
    const partition: PartitionSpec = { kind: 'iid', numClients: 2, seed: 4, examplesPerClient: 100 };
    const taskId = await createTask(c.url, smallTask({
      data: { partition, testLimit: 200 },
      fit: { minAvailableClients: 2, minFitClients: 2, epochs: 2, work: { kind: 'adaptive', deadlineFraction: 0.8 } },
      stop: { maxRounds: 2, roundDeadlineMs: 5_000, minReports: 2 },
      communication: { uplink: { codec: 'float16' }, downlink: { codec: 'float32' }, downlinkDelta: false },
    }));
    // Act
    running = await recordingClients(c.url, taskId, partition, [
      new SlowTrainer(shared, { slowdown: 1, claimExamplesPerSec: 100_000 }), new SlowTrainer(shared, { slowdown: 40, claimExamplesPerSec: 100_000 }),
    ]);
    const task = await finished(c, taskId);
    // Assert: every round commits with both reports; once measured, the slow client gets fewer steps
    expect(task.state).toBe('completed');
    const [fastId, slowId] = running.map((r) => r.client.clientId!);
    const rounds = await Promise.all([1, 2].map((r) => detail(c, taskId, r)));
    const of = (r: RoundDetailView, id: string) => r.clients.find((x) => x.clientId === id)!;
    for (const r of rounds) {
      expect(r.outcome).toBe('committed');
      expect([of(r, fastId!).outcome, of(r, slowId!).outcome]).toEqual(['reported', 'reported']);
      // The steps done never exceed the steps planned, and both are recorded beside the bytes.
      for (const id of [fastId!, slowId!]) expect(of(r, id).localSteps!).toBeLessThanOrEqual(of(r, id).plannedSteps!);
    }
    expect(of(rounds[1]!, slowId!).plannedSteps!).toBeLessThan(of(rounds[1]!, fastId!).plannedSteps!);
    const updates = running.flatMap((r) => r.updates);
    expect(codecsOf(updates)).toEqual(new Set(['float16']));
    // The steps each update reports are the ones the round records for its client.
    for (const [k, r] of running.entries()) {
      const reported = r.updates.map((u) => (u.message as { localSteps?: number }).localSteps);
      expect(reported).toEqual(rounds.map((round) => of(round, [fastId, slowId][k]!).localSteps));
    }
  }, 120_000);

  it('FedPer with a top-k uplink: only the body is encoded and sent, its residual stays with the client, the global head never moves', async () => {
    // Arrange
    const c = await start();
    const partition: PartitionSpec = { kind: 'shards', numClients: 2, seed: 4, shardsPerClient: 2, shardSize: 50 };
    const taskId = await createTask(c.url, smallTask({
      model: { kind: 'mnist-2nn' },
      data: { partition, clientTestFraction: 0.2, testLimit: 200 },
      fit: { minAvailableClients: 2, minFitClients: 2, epochs: 1, batchSize: 20, learningRate: 0.1 },
      stop: { maxRounds: 2, minReports: 2, roundDeadlineMs: 60_000 },
      personalization: { mode: 'fedper', head: { lastLayers: 1 }, localBaseline: false },
      communication: { uplink: { codec: 'topk', fraction: 0.05, errorFeedback: true }, downlink: { codec: 'float32' }, downlinkDelta: false },
    } as TaskConfigInput));
    const residuals = [memoryResidualStore(), memoryResidualStore()];
    // Act
    running = await recordingClients(c.url, taskId, partition, [shared, shared], { residuals });
    const task = await finished(c, taskId);
    // Assert: two versions, each update the body's tensors alone, each in top-k
    expect(task.state).toBe('completed');
    expect(task.modelVersion).toBe(2);
    const updates = running.flatMap((r) => r.updates);
    expect(updates).toHaveLength(4);
    for (const frame of updates) expect(frame.tensors.map((t) => t.shape)).toEqual(BODY_SHAPES);
    expect(codecsOf(updates)).toEqual(new Set(['topk']));
    // About 5 % of the body's values travel, not the whole model.
    const bodyValues = MODEL_VALUES - HEAD_VALUES;
    for (const frame of updates) {
      const nonZero = frame.tensors.reduce((n, t) => n + t.values.reduce((k, v) => k + (v === 0 ? 0 : 1), 0), 0);
      expect(nonZero).toBeLessThanOrEqual(Math.ceil(0.05 * bodyValues) + BODY_SHAPES.length);
    }
    // The error-feedback residual is the body's: the head has nothing to carry.
    for (const store of residuals) {
      const kept = await store.load();
      expect(kept?.shapes).toEqual(BODY_SHAPES);
      expect(kept?.values.length).toBe(bodyValues);
    }
    const versions = await Promise.all([0, 1, 2].map((v) => fetchWeights(c.url, `/api/tasks/${taskId}/models/${v}/weights.frame`)));
    const head = (w: Float32Array) => w.subarray(w.length - HEAD_VALUES);
    expect(head(versions[2]!)).toEqual(head(versions[0]!));
    expect(versions[2]!.subarray(0, bodyValues)).not.toEqual(versions[0]!.subarray(0, bodyValues));
  }, 120_000);

  it('refuses the combinations that cannot work, each with its code and the field it concerns', async () => {
    const c = await start();
    const refused = async (config: TaskConfigInput) => (await api<{ code: string; message: string }>(c.url, '/api/tasks', { method: 'POST', body: smallTask(config) }));
    const secure = { privacy: { secureAggregation: { enabled: true, mode: 'full' } } } as TaskConfigInput;
    // Top-k's indices cannot be summed under pairwise masks.
    const topk = await refused({ ...secure, communication: { uplink: { codec: 'topk', fraction: 0.01, errorFeedback: true }, downlink: { codec: 'float32' }, downlinkDelta: false } });
    expect([topk.status, topk.body.code]).toEqual([400, ErrorCodes.CODEC_INCOMPATIBLE]);
    // An asynchronous buffer fills with whoever finishes first; masks cancel only over clients fixed before masking.
    const buffered = await refused({ ...secure, asynchronous: { enabled: true } });
    expect([buffered.status, buffered.body.code]).toEqual([400, ErrorCodes.INVALID_TASK]);
    expect(buffered.body.message).toContain('privacy.secureAggregation');
    // Nothing was stored.
    expect((await api<{ tasks: unknown[] }>(c.url, '/api/tasks')).body.tasks).toHaveLength(0);
  });
});
