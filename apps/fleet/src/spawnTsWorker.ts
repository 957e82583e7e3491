// Starts a worker thread running a TypeScript module (Node clients, Paillier work), with the same loader as the main thread.

import { Worker } from 'node:worker_threads';

const boot = new URL('./tsWorkerBoot.mjs', import.meta.url);

/**
 * @example const worker = spawnTsWorker(new URL('./nodeFleetWorker.ts', import.meta.url), { index: 0 });
 */
export function spawnTsWorker(entry: URL, workerData: Record<string, unknown> = {}): Worker {
  return new Worker(boot, { workerData: { ...workerData, flotillaEntry: entry.href } });
}
