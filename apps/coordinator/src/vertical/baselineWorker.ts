// Worker thread that trains a simulated vertical job's two plaintext baselines, so the split NN's
// tfjs steps and hetero LR's epochs never hold up the coordinator's sockets and rounds.

import { parentPort } from 'node:worker_threads';
import { simulateVerticalMnist } from '@flotilla/data';
import { initNodeBackend } from '@flotilla/models';
import { ftlBaselines, heteroLrBaselines, simulateFtlMnist, splitNnBaselines } from '@flotilla/vertical';
import type { FtlJobSettings, VerticalAlgorithm, VerticalSimulationSpec } from '@flotilla/vertical';

/** What the coordinator asks of the worker: the job's algorithm, simulated tables and schedule. */
export interface BaselineJob {
  algorithm: VerticalAlgorithm;
  simulation: VerticalSimulationSpec;
  settings: FtlJobSettings;
}

if (!parentPort) throw new Error('baselineWorker must run in a worker thread');
const port = parentPort;

async function baselines(job: BaselineJob): Promise<unknown> {
  // The coordinator can draw both tables itself, as it trains a horizontal task's baseline on the
  // union of the partitions: simulated MNIST is public, a party's own table never comes here.
  if (job.algorithm === 'ftl') {
    const { dim, gamma, batchSize, learningRate, epochs } = job.settings;
    const config = { ...(dim === undefined ? {} : { dim }), ...(gamma === undefined ? {} : { gamma }), ...(batchSize === undefined ? {} : { batchSize }), ...(learningRate === undefined ? {} : { learningRate }) };
    return ftlBaselines(await simulateFtlMnist(job.simulation), config, epochs);
  }
  const { guest, hosts } = await simulateVerticalMnist(job.simulation);
  if (job.algorithm === 'hetero-lr') return heteroLrBaselines(guest, hosts, job.settings);
  await initNodeBackend('wasm');
  return splitNnBaselines(guest, hosts, job.settings);
}

port.on('message', async (msg: { id: number; method: string; args: unknown }) => {
  try {
    if (msg.method !== 'baselines') throw new Error(`unknown method ${msg.method}`);
    port.postMessage({ id: msg.id, ok: true, result: await baselines(msg.args as BaselineJob) });
  } catch (err) {
    port.postMessage({ id: msg.id, ok: false, error: err instanceof Error ? err.message : String(err) });
  }
});
