// Node clients whose updates are random rather than trained, for the secure-aggregation and DP tests
// over real sockets: what each client produced is recorded, so a test can compute what the round
// should commit, and the noise a committed model carries beyond it.

import WebSocket from 'ws';
import { FlotillaClient, WeightsCache, memoryIdentity, type ClientEvent, type Trainer, type WebSocketLike } from '@flotilla/client';
import { clipByL2Norm } from '@flotilla/privacy';

/** One client's update and its example count. */
export interface Produced { update: Float32Array; numExamples: number }

/** Every update's coordinates are uniform in ±this (inside the tests' clip of 0.2 and norm caps). */
export const SYNTHETIC_AMPLITUDE = 0.2;

/**
 * A trainer whose update is uniform in ±SYNTHETIC_AMPLITUDE per weight, recorded under `index`;
 * `delayMs` of pretend training first (so a test can act between the plan and the report).
 * @example const honest = syntheticTrainer(produced, 3, 50);
 */
export function syntheticTrainer(produced: Map<number, Produced>, index: number, delayMs = 0): Trainer {
  return {
    device: () => ({ backend: 'synthetic' }),
    async train(job) {
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      const update = new Float32Array(job.weights.length);
      for (let i = 0; i < update.length; i++) update[i] = (Math.random() - 0.5) * 2 * SYNTHETIC_AMPLITUDE;
      produced.set(index, { update, numExamples: job.data.count });
      return { update, shapes: [[update.length]], numExamples: job.data.count, metrics: { loss: 1, accuracy: 0.5, trainMs: Math.max(1, delayMs) } };
    },
  };
}

/**
 * Starts `n` Node clients of `taskId` with synthetic trainers and distinct example counts (50, 100, …),
 * so weighting matters; `onEvent` hears each client's events with its index.
 * @example clients = startSyntheticClients(url, taskId, 4, produced, { delayMs: 50 });
 */
export function startSyntheticClients(
  url: string, taskId: string, n: number, produced: Map<number, Produced>,
  options: { delayMs?: number } = {}, onEvent?: (i: number, e: ClientEvent, c: FlotillaClient) => void,
): FlotillaClient[] {
  return Array.from({ length: n }, (_, i) => {
    const client: FlotillaClient = new FlotillaClient({
      url, kind: 'node', taskId, trainer: syntheticTrainer(produced, i, options.delayMs), identity: memoryIdentity(),
      data: { features: new Float32Array(0), labels: new Uint8Array(0), count: 50 * (i + 1) },
      webSocket: (u) => new WebSocket(u) as unknown as WebSocketLike,
      backoff: { baseMs: 50, maxMs: 500 },
      onEvent: (e) => onEvent?.(i, e, client),
    });
    client.start();
    return client;
  });
}

/**
 * The weights of a task's model `version`, as a client downloads them.
 * @example const committed = await modelWeights(url, taskId, 1);
 */
export async function modelWeights(url: string, taskId: string, version: number): Promise<Float32Array> {
  return (await new WeightsCache().get(`${url}/api/tasks/${taskId}/models/${version}/weights.frame`)).weights;
}

/**
 * The residual of a DP round, committed − global − Σ clip(Δₖ, clip)/m per coordinate: only the noise,
 * if the round added the clipped updates and nothing else. Its mean and standard deviation.
 * @example const { mean, std } = residualNoise(global, committed, updates, 1, 4);
 */
export function residualNoise(global: Float32Array, committed: Float32Array, updates: Iterable<Float32Array>, clip: number, m: number): { mean: number; std: number } {
  const clean = Float64Array.from(global);
  for (const update of updates) {
    const clipped = clipByL2Norm(Float32Array.from(update), clip);
    for (let j = 0; j < clean.length; j++) clean[j]! += clipped[j]! / m;
  }
  let sum = 0;
  let sq = 0;
  for (let j = 0; j < clean.length; j++) {
    const r = committed[j]! - clean[j]!;
    sum += r;
    sq += r * r;
  }
  const n = clean.length;
  return { mean: sum / n, std: Math.sqrt(sq / n - (sum / n) ** 2) };
}
