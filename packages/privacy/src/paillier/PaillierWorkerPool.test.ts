import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePaillierKeyPair } from './keyGeneration.ts';
import type { PaillierKeyPair } from './keyGeneration.ts';
import { PaillierRandomnessPool } from './PaillierRandomnessPool.ts';
import { PaillierWorkerPool } from './PaillierWorkerPool.ts';
import type { PaillierReply, PaillierWorkerEndpoint } from './PaillierWorkerPool.ts';

/** A real worker thread running the pool's worker side. */
function nodeWorker(): PaillierWorkerEndpoint {
  const worker = new Worker(new URL('./testing/tsWorkerBoot.mjs', import.meta.url), {
    workerData: { entry: new URL('./testing/paillierWorkerEntry.ts', import.meta.url).href },
  });
  return {
    postMessage: (m) => worker.postMessage(m),
    onMessage: (listener) => worker.on('message', (reply: PaillierReply) => listener(reply)),
    terminate: () => worker.terminate(),
  };
}

describe('PaillierWorkerPool (two worker threads)', () => {
  let keys: PaillierKeyPair;
  let pool: PaillierWorkerPool;
  beforeAll(async () => {
    keys = await generatePaillierKeyPair({ bits: 1024 });
    pool = new PaillierWorkerPool(nodeWorker, 2);
  });
  afterAll(async () => {
    await pool.close();
  });

  it('fills a randomness pool with factors that encrypt correctly, reporting progress', async () => {
    const randomness = new PaillierRandomnessPool(keys.publicKey);
    const progress: number[] = [];
    await pool.fillPool(randomness, 20, (done) => progress.push(done));
    expect(randomness.size).toBe(20);
    expect(progress.at(-1)).toBe(20);
    const plaintexts = Array.from({ length: 20 }, (_, i) => BigInt(i * 1000 + 7));
    const ciphertexts = plaintexts.map((m) => randomness.encrypt(m));
    expect(randomness.fallbackCount).toBe(0);
    expect(new Set(ciphertexts).size).toBe(20);
    expect(ciphertexts.map((c) => keys.privateKey.decrypt(c))).toEqual(plaintexts);
  });

  it('decrypts a batch in order, as the key does on this thread', async () => {
    const plaintexts = Array.from({ length: 9 }, (_, i) => BigInt(i) * 123_456_789n);
    const ciphertexts = plaintexts.map((m) => keys.publicKey.encrypt(m));
    expect(await pool.decrypt(keys.privateKey, ciphertexts)).toEqual(plaintexts);
  });

  it('rejects a batch holding a non-ciphertext with PAILLIER_BAD_CIPHERTEXT and keeps serving', async () => {
    const good = keys.publicKey.encrypt(5n);
    await expect(pool.decrypt(keys.privateKey, [good, keys.publicKey.n])).rejects.toMatchObject({ code: 'PAILLIER_BAD_CIPHERTEXT' });
    expect(await pool.decrypt(keys.privateKey, [good])).toEqual([5n]);
  });

  it('rejects what a dead worker left pending with PAILLIER_WORKER_FAILED, then refuses new work', async () => {
    const silent = new PaillierWorkerPool(() => ({ postMessage: () => undefined, onMessage: () => undefined, terminate: () => undefined }), 1);
    const pending = silent.decrypt(keys.privateKey, [keys.publicKey.encrypt(1n)]);
    silent.fail('worker thread exited with code 1');
    await expect(pending).rejects.toMatchObject({ code: 'PAILLIER_WORKER_FAILED' });
    await expect(silent.decrypt(keys.privateKey, [keys.publicKey.encrypt(1n)])).rejects.toMatchObject({ code: 'PAILLIER_BAD_PARAMETER' });
  });
});
