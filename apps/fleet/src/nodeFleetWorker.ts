// One worker thread of a Node fleet: loads MNIST once, takes its share of the client indices,
// and runs a FlotillaClient per index, each training only on its own partition.

import { parentPort, workerData } from 'node:worker_threads';
import WebSocket from 'ws';
import { ByzantineTrainer, FlotillaClient, TfjsTrainer, WeightsCache, examplesAsLocalData, memoryIdentity, type Attack, type WebSocketLike } from '@flotilla/client';
import { clientPartition, gatherExamples, labelPartition, loadMnist } from '@flotilla/data';
import { initNodeBackend } from '@flotilla/models';
import type { ModelSpec, PartitionSpec } from '@flotilla/protocol';

export interface FleetWorkerData {
  url: string;
  taskId: string;
  partition: PartitionSpec;
  model: ModelSpec;
  clientIndices: number[];
  /** Probability that a client drops out (closes its socket) during a round it trains in. */
  dropout: number;
  seed: number;
  joinToken: string | null;
  /** This thread's attacking clients (partition indices) and their attack. */
  byzantine: { attack: Attack; clients: number[] } | null;
}

export type FleetWorkerMessage =
  | { type: 'ready'; backend: string; clients: number }
  | { type: 'dropout'; clientIndex: number; round: number }
  | { type: 'error'; message: string };

const data = workerData as FleetWorkerData;
const port = parentPort!;

const { backend } = await initNodeBackend('auto');
const train = await loadMnist('train');
const trainer = new TfjsTrainer({ backend });
// A few batches on the first client's data: hellos then carry the device's measured speed.
const firstPartition = clientPartition(labelPartition(data.partition), train.labels, data.clientIndices[0] ?? 0);
await trainer.calibrate(data.model, examplesAsLocalData(gatherExamples(train, firstPartition.subarray(0, Math.min(200, firstPartition.length)))));
const weights = new WeightsCache();
const attacker = data.byzantine ? new ByzantineTrainer(trainer, data.byzantine.attack) : null;
let rngState = (data.seed ^ 0x5bd1e995) >>> 0;
const random = () => ((rngState = (Math.imul(rngState, 1664525) + 1013904223) >>> 0) / 2 ** 32);

const clients = data.clientIndices.map((partitionIndex) => {
  const examples = examplesAsLocalData(gatherExamples(train, clientPartition(labelPartition(data.partition), train.labels, partitionIndex)));
  const client: FlotillaClient = new FlotillaClient({
    url: data.url, kind: 'node', trainer: attacker && data.byzantine!.clients.includes(partitionIndex) ? attacker : trainer, data: examples, taskId: data.taskId, partitionIndex, weights,
    ...(data.joinToken ? { joinToken: data.joinToken } : {}),
    identity: memoryIdentity(),
    webSocket: (u) => new WebSocket(u, { maxPayload: 64 * 1024 * 1024 }) as unknown as WebSocketLike,
    onEvent: (event) => {
      if (event.type === 'plan' && data.dropout > 0 && random() < data.dropout) {
        // Simulated device loss: the socket dies mid-round; the device comes back a bit later.
        setTimeout(() => {
          client.stop();
          port.postMessage({ type: 'dropout', clientIndex: partitionIndex, round: event.round } satisfies FleetWorkerMessage);
          setTimeout(() => client.start(), 500 + random() * 2000);
        }, random() * 200);
      }
      if (event.type === 'error' && event.fatal) {
        port.postMessage({ type: 'error', message: `client ${partitionIndex}: ${event.code} ${event.message}` } satisfies FleetWorkerMessage);
      }
    },
  });
  return client;
});
for (const client of clients) client.start();
port.postMessage({ type: 'ready', backend, clients: clients.length } satisfies FleetWorkerMessage);

port.on('message', (msg: { type: 'stop' }) => {
  if (msg.type === 'stop') {
    for (const client of clients) client.stop();
    setTimeout(() => process.exit(0), 100);
  }
});
