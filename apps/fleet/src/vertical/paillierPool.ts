// A Paillier worker pool of Node worker threads, for a party process (and the benchmarks).
import { availableParallelism } from 'node:os';
import { spawnTsWorker } from '../spawnTsWorker.ts';
import { PaillierWorkerPool } from '@flotilla/privacy';
import type { PaillierReply } from '@flotilla/privacy';

/**
 * `size` worker threads (default: one per core) running the pool's worker side.
 * @example const pool = nodePaillierPool(); const plain = await pool.decrypt(privateKey, cs); await pool.close();
 */
export function nodePaillierPool(size = availableParallelism()): PaillierWorkerPool {
  const pool: PaillierWorkerPool = new PaillierWorkerPool(() => {
    const worker = spawnTsWorker(new URL('./paillierWorker.ts', import.meta.url));
    // A thread that crashes or exits on its own would leave its requests unanswered.
    worker.on('error', (err) => pool.fail(err.message));
    worker.on('exit', (code) => pool.fail(`worker thread exited with code ${code}`));
    return {
      postMessage: (m) => worker.postMessage(m),
      onMessage: (listener) => worker.on('message', (reply: PaillierReply) => listener(reply)),
      terminate: () => worker.terminate(),
    };
  }, size);
  return pool;
}
