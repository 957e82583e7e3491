// One worker thread of a Node fleet: takes its share of the client indices and runs a
// FlotillaClient per index, each training only on its own partition (MNIST's read locally once,
// a registered dataset's fetched from the simulation route); or, with `--data`, runs one client
// per entry it was given, each on its own files (no partition index).

import { parentPort, workerData } from 'node:worker_threads';
import WebSocket from 'ws';
import {
  ByzantineTrainer, FlotillaClient, TfjsTrainer, WeightsCache, examplesAsLocalData, fetchSimulationPartition, memoryIdentity,
  type Attack, type LocalData, type Trainer, type WebSocketLike,
} from '@flotilla/client';
import { clientPartition, gatherExamples, labelPartition, loadMnist } from '@flotilla/data';
import { initNodeBackend } from '@flotilla/models';
import { BUILTIN_MNIST, type DataSchema, type ModelSpec, type PartitionSpec } from '@flotilla/protocol';
import type { ClientExamples } from './clientData.ts';
import { DelayedTrainer } from './DelayedTrainer.ts';
import { filePersonalStore } from './personalFiles.ts';
import { fileResidualStore } from '@flotilla/client/node';
import path from 'node:path';

export interface FleetWorkerData {
  url: string;
  taskId: string;
  partition: PartitionSpec;
  model: ModelSpec;
  /** The task's schema (MNIST's for tasks stored before schemas) and dataset (absent: clients bring their own data). */
  schema: DataSchema;
  dataset: string | null;
  clientIndices: number[];
  /** Probability that a client drops out (closes its socket) during a round it trains in. */
  dropout: number;
  seed: number;
  joinToken: string | null;
  /** `--state-dir`: personal models and top-k residuals live in files there; null: in memory. */
  stateDir: string | null;
  /** This thread's attacking clients (partition indices) and their attack. */
  byzantine: { attack: Attack; clients: number[] } | null;
  /** `--data`: this thread's clients on their own files, by name; null in the MNIST simulation. */
  ownData: { name: string; examples: ClientExamples }[] | null;
  /** This thread's slow clients (partition indices, or own-data positions) and how many times slower they are. */
  slow: { clients: number[]; factor: number } | null;
  /** `--duplicate K`: the client with partition index K trains on partition 0's examples (it still says K in its hello). */
  duplicate: number | null;
}

export type FleetWorkerMessage =
  | { type: 'ready'; backend: string; clients: number }
  | { type: 'dropout'; clientIndex: number; round: number }
  /** A simulated client was welcomed: its id, so the fleet's closing tables can name its partition. */
  | { type: 'welcome'; clientIndex: number; clientId: string }
  | { type: 'error'; message: string };

const data = workerData as FleetWorkerData;
const port = parentPort!;

const { backend } = await initNodeBackend('auto');
const trainer = new TfjsTrainer({ backend });
const weights = new WeightsCache();
let rngState = (data.seed ^ 0x5bd1e995) >>> 0;
const random = () => ((rngState = (Math.imul(rngState, 1664525) + 1013904223) >>> 0) / 2 ** 32);

/** A client of this thread: `label` names it in messages, `partitionIndex` only in the simulation. */
function startClient(label: string, examples: LocalData, clientTrainer: Trainer, partitionIndex?: number, slow = false): FlotillaClient {
  const client: FlotillaClient = new FlotillaClient({
    url: data.url, kind: 'node', trainer: slow && data.slow ? new DelayedTrainer(clientTrainer, data.slow.factor) : clientTrainer, data: examples, taskId: data.taskId, weights,
    ...(partitionIndex === undefined ? {} : { partitionIndex }),
    ...(data.joinToken ? { joinToken: data.joinToken } : {}),
    identity: memoryIdentity(),
    ...(data.stateDir ? { personal: filePersonalStore(data.stateDir, label) } : {}),
    // A top-k uplink's error-feedback residual survives a fleet restart, as the personal models do.
    ...(data.stateDir ? { residuals: fileResidualStore(path.join(data.stateDir, 'residual', `${label.replace(/[^A-Za-z0-9._-]/g, '_')}.bin`)) } : {}),
    webSocket: (u) => new WebSocket(u, { maxPayload: 64 * 1024 * 1024 }) as unknown as WebSocketLike,
    onEvent: (event) => {
      if (event.type === 'welcome' && partitionIndex !== undefined) {
        port.postMessage({ type: 'welcome', clientIndex: partitionIndex, clientId: event.clientId } satisfies FleetWorkerMessage);
      }
      if (event.type === 'plan' && data.dropout > 0 && random() < data.dropout) {
        // Simulated device loss: the socket dies mid-round; the device comes back a bit later.
        setTimeout(() => {
          client.stop();
          port.postMessage({ type: 'dropout', clientIndex: partitionIndex ?? -1, round: event.round } satisfies FleetWorkerMessage);
          setTimeout(() => client.start(), 500 + random() * 2000);
        }, random() * 200);
      }
      if (event.type === 'error' && event.fatal) {
        port.postMessage({ type: 'error', message: `client ${label}: ${event.code} ${event.message}` } satisfies FleetWorkerMessage);
      }
    },
  });
  return client;
}

// A few batches on the first client's data: hellos then carry the device's measured speed.
async function calibrate(first: LocalData): Promise<void> {
  const sample = Math.min(200, first.count);
  const width = first.features.length / Math.max(1, first.count);
  await trainer.calibrate(data.model, { features: first.features.subarray(0, width * sample), labels: first.labels.subarray(0, sample), count: sample }, 10, data.schema);
}

const isSlow = (index: number) => data.slow?.clients.includes(index) ?? false;
/** Whose examples a simulated client trains on: its own partition's, or partition 0's for the --duplicate client. */
const dataPartition = (index: number) => (index === data.duplicate ? 0 : index);

let clients: FlotillaClient[];
if (data.ownData) {
  const own = data.ownData.map((c) => ({ name: c.name, local: { features: c.examples.features, labels: c.examples.labels, count: c.examples.count } }));
  await calibrate(own[0]!.local);
  clients = own.map((c, k) => startClient(c.name, c.local, trainer, undefined, isSlow(data.clientIndices[k]!)));
} else if (data.dataset !== null && data.dataset !== BUILTIN_MNIST) {
  // A registered dataset: each simulated client fetches its own partition, as a fleet's tab does.
  const parts = await Promise.all(data.clientIndices.map(async (i) => (await fetchSimulationPartition(data.url, data.taskId, dataPartition(i))).data));
  if (parts[0]) await calibrate(parts[0]);
  const attacker = data.byzantine ? new ByzantineTrainer(trainer, data.byzantine.attack) : null;
  clients = data.clientIndices.map((partitionIndex, k) =>
    startClient(String(partitionIndex), parts[k]!, attacker && data.byzantine!.clients.includes(partitionIndex) ? attacker : trainer, partitionIndex, isSlow(partitionIndex)));
} else {
  const train = await loadMnist('train');
  const firstPartition = clientPartition(labelPartition(data.partition), train.labels, data.clientIndices[0] ?? 0);
  await calibrate(examplesAsLocalData(gatherExamples(train, firstPartition.subarray(0, Math.min(200, firstPartition.length)))));
  const attacker = data.byzantine ? new ByzantineTrainer(trainer, data.byzantine.attack) : null;
  clients = data.clientIndices.map((partitionIndex) => {
    const examples = examplesAsLocalData(gatherExamples(train, clientPartition(labelPartition(data.partition), train.labels, dataPartition(partitionIndex))));
    return startClient(String(partitionIndex), examples, attacker && data.byzantine!.clients.includes(partitionIndex) ? attacker : trainer, partitionIndex, isSlow(partitionIndex));
  });
}
for (const client of clients) client.start();
port.postMessage({ type: 'ready', backend, clients: clients.length } satisfies FleetWorkerMessage);

port.on('message', (msg: { type: 'stop' }) => {
  if (msg.type === 'stop') {
    for (const client of clients) client.stop();
    setTimeout(() => process.exit(0), 100);
  }
});
