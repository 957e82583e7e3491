// Compressed rounds over real sockets: int8 and top-k updates train the model, and the bytes the
// round view shows per client and in total are the bytes the clients' sockets and weight fetches
// carried, counted on the client side. An update in another codec than planned is refused.

import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlotillaClient, TfjsTrainer, WeightsCache, examplesAsLocalData, memoryIdentity, type WebSocketLike } from '@flotilla/client';
import { clientPartition, gatherExamples, labelPartition, loadMnist } from '@flotilla/data';
import { initNodeBackend } from '@flotilla/models';
import { ErrorCodes, encodeFrame, type CodecSpec, type PartitionSpec, type RoundDetailView } from '@flotilla/protocol';
import { RawClient, api, createTask, eventually, smallTask, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';

const partition: PartitionSpec = { kind: 'iid', numClients: 3, seed: 3, examplesPerClient: 100 };

/** MNIST clients whose sockets and weight fetches count the bytes they carry. */
async function countingClients(url: string, taskId: string) {
  const { backend } = await initNodeBackend('auto');
  const trainer = new TfjsTrainer({ backend });
  const train = await loadMnist('train');
  const counted = [0, 1, 2].map(() => ({ up: 0, down: 0 }));
  const clients = counted.map((count, i) => {
    const countingFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const body = await response.arrayBuffer();
      count.down += body.byteLength;
      return new Response(body, { status: response.status, headers: response.headers });
    };
    const client = new FlotillaClient({
      url, kind: 'node', taskId, partitionIndex: i, trainer, weights: new WeightsCache(countingFetch), identity: memoryIdentity(),
      data: examplesAsLocalData(gatherExamples(train, clientPartition(labelPartition(partition), train.labels, i))),
      webSocket: (u) => {
        const socket = new WebSocket(u);
        const send = socket.send.bind(socket);
        // Updates are the binary frames a client sends; JSON control messages are not round traffic.
        socket.send = ((data: unknown, ...rest: never[]) => {
          if (data instanceof Uint8Array) count.up += data.byteLength;
          return send(data as never, ...rest);
        }) as typeof socket.send;
        return socket as unknown as WebSocketLike;
      },
      backoff: { baseMs: 50, maxMs: 500 },
    });
    client.start();
    return client;
  });
  return { clients, counted };
}

async function runCompressed(coordinator: TestCoordinator, uplink: CodecSpec) {
  const taskId = await createTask(coordinator.url, smallTask({
    data: { partition }, fit: { minAvailableClients: 3 }, stop: { maxRounds: 2 }, communication: { uplink },
  }));
  const { clients, counted } = await countingClients(coordinator.url, taskId);
  try {
    await eventually(async () => {
      const { body } = await api<{ state: string }>(coordinator.url, `/api/tasks/${taskId}`);
      return body.state === 'completed' ? body : undefined;
    }, 120_000, 'the task to complete');
    const rounds = await Promise.all([1, 2].map(async (r) => (await api<RoundDetailView>(coordinator.url, `/api/tasks/${taskId}/rounds/${r}`)).body));
    const byClient = new Map(clients.map((c, i) => [c.clientId!, counted[i]!]));
    return { rounds, byClient, counted };
  } finally {
    for (const c of clients) c.stop();
  }
}

describe('compressed rounds over real sockets', () => {
  let coordinator: TestCoordinator;
  beforeAll(async () => { coordinator = await startTestCoordinator(); });
  afterAll(async () => { await coordinator?.close(); });

  for (const [name, uplink, smaller] of [
    ['int8', { codec: 'int8', granularity: 'channel', stochastic: true }, 3.9],
    ['top-k 1 % with error feedback', { codec: 'topk', fraction: 0.01, errorFeedback: true }, 30],
  ] as const) {
    it(`${name}: commits rounds and shows per client and in total the bytes the sockets carried`, async () => {
      const { rounds, byClient, counted } = await runCompressed(coordinator, uplink);
      expect(rounds.map((r) => [r.outcome, r.reported])).toEqual([['committed', 3], ['committed', 3]]);
      for (const [clientId, count] of byClient) {
        const up = rounds.reduce((s, r) => s + (r.clients.find((c) => c.clientId === clientId)?.bytesUp ?? 0), 0);
        const down = rounds.reduce((s, r) => s + (r.clients.find((c) => c.clientId === clientId)?.bytesDown ?? 0), 0);
        expect(up).toBe(count.up);
        expect(down).toBe(count.down);
      }
      expect(rounds.reduce((s, r) => s + r.bytesUp, 0)).toBe(counted.reduce((s, c) => s + c.up, 0));
      expect(rounds.reduce((s, r) => s + r.bytesDown, 0)).toBe(counted.reduce((s, c) => s + c.down, 0));
      // Each update is smaller than float32 by the codec's factor (199,210 weights of the 2NN).
      for (const r of rounds) expect(r.bytesUp / 3).toBeLessThan((199_210 * 4) / smaller);
    });
  }

  it('refuses an update in another codec than the plan named', async () => {
    const taskId = await createTask(coordinator.url, smallTask({
      data: { partition: { kind: 'iid', numClients: 1, seed: 3, examplesPerClient: 100 } },
      fit: { minAvailableClients: 1 }, stop: { maxRounds: 1, roundDeadlineMs: 5_000 }, communication: { uplink: { codec: 'int8' } },
    }));
    const raw = new RawClient(coordinator.url);
    try {
      await raw.hello({ taskId, partitionIndex: 0, capabilities: { codecs: ['float32', 'int8'] } });
      const plan = await raw.next<{ round: number; modelVersion: number; fit: { uplink?: CodecSpec } }>('round.plan');
      expect(plan.fit.uplink).toMatchObject({ codec: 'int8', granularity: 'tensor', stochastic: true });
      const shapes = [[784, 200], [200], [200, 200], [200], [200, 10], [10]];
      raw.send(encodeFrame(
        { type: 'update', taskId, round: plan.round, modelVersion: plan.modelVersion, numExamples: 100, metrics: { loss: 1, accuracy: 0.5, trainMs: 1 } },
        shapes.map((shape) => ({ shape, values: new Float32Array(shape.reduce((a, b) => a * b, 1)) })),
      ));
      const error = await raw.next<{ code: string }>('error');
      expect(error.code).toBe(ErrorCodes.UNSUPPORTED_CODEC);
    } finally {
      raw.close();
    }
  });
});
