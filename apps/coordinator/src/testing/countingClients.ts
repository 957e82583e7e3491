// MNIST clients whose sockets and weight fetches count the bytes they carry, on one task run to
// completion: what the compression tests compare with the round records.

import WebSocket from 'ws';
import { FlotillaClient, TfjsTrainer, WeightsCache, examplesAsLocalData, memoryIdentity, type WebSocketLike } from '@flotilla/client';
import { clientPartition, gatherExamples, labelPartition, loadMnist } from '@flotilla/data';
import { initNodeBackend } from '@flotilla/models';
import type { PartitionSpec, RoundDetailView } from '@flotilla/protocol';
import { api, createTask, eventually, smallTask, type TestCoordinator } from './harness.ts';

const partition: PartitionSpec = { kind: 'iid', numClients: 3, seed: 3, examplesPerClient: 60 };

/** MNIST clients whose sockets and weight fetches count the bytes they carry. */
async function countingClients(url: string, taskId: string) {
  const { backend } = await initNodeBackend('auto');
  const trainer = new TfjsTrainer({ backend });
  const train = await loadMnist('train');
  const counted = [0, 1, 2].map(() => ({ up: 0, down: 0 }));
  const caches: WeightsCache[] = [];
  const clients = counted.map((count, i) => {
    const countingFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const body = await response.arrayBuffer();
      count.down += body.byteLength;
      return new Response(body, { status: response.status, headers: response.headers });
    };
    caches.push(new WeightsCache(countingFetch));
    const client = new FlotillaClient({
      url, kind: 'node', taskId, partitionIndex: i, trainer, weights: caches[i]!, identity: memoryIdentity(),
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
  return { clients, counted, caches };
}

/**
 * Runs a task with these communication settings on three counting clients until it completes.
 * @example const { rounds, byClient } = await runCounted(coordinator, { uplink: { codec: 'int8' } });
 */
export async function runCounted(coordinator: TestCoordinator, communication: Record<string, unknown>, maxRounds = 2) {
  const taskId = await createTask(coordinator.url, smallTask({
    data: { partition }, fit: { minAvailableClients: 3 }, stop: { maxRounds }, communication,
  }));
  const { clients, counted, caches } = await countingClients(coordinator.url, taskId);
  try {
    await eventually(async () => {
      const { body } = await api<{ state: string }>(coordinator.url, `/api/tasks/${taskId}`);
      return body.state === 'completed' ? body : undefined;
    }, 120_000, 'the task to complete');
    const rounds = await Promise.all(Array.from({ length: maxRounds }, async (_, r) => (await api<RoundDetailView>(coordinator.url, `/api/tasks/${taskId}/rounds/${r + 1}`)).body));
    const byClient = new Map(clients.map((c, i) => [c.clientId!, counted[i]!]));
    return { taskId, rounds, byClient, counted, caches };
  } finally {
    for (const c of clients) c.stop();
  }
}
