// Paillier's heavy steps on a pool of workers (worker threads in Node, Web Workers in a browser):
// encryption randomness r^n and CRT decryption, split across them in chunks.
import { PaillierError } from './errors.ts';
import type { PaillierErrorCode } from './errors.ts';
import type { PaillierCiphertext } from './PaillierPublicKey.ts';
import { PaillierPrivateKey } from './PaillierPrivateKey.ts';
import { computeRandomFactors } from './PaillierRandomnessPool.ts';
import type { PaillierRandomnessPool } from './PaillierRandomnessPool.ts';

/** One worker as the pool sees it, whatever the platform (see the adapters in the example below). */
export interface PaillierWorkerEndpoint {
  postMessage(message: PaillierRequest): void;
  onMessage(listener: (reply: PaillierReply) => void): void;
  terminate(): unknown;
}

/** Pool → worker. Bigints are structured-cloneable, in Node and in browsers. */
export type PaillierRequest =
  | { id: number; op: 'factors'; n: bigint; count: number }
  | { id: number; op: 'decrypt'; p: bigint; q: bigint; ciphertexts: PaillierCiphertext[] };

/** Worker → pool. */
export type PaillierReply =
  | { id: number; ok: true; values: bigint[] }
  | { id: number; ok: false; code: string; message: string };

/**
 * The worker's side: answers pool requests with `post`. The private key of a decrypt request is
 * built once per worker and kept (its constructor costs an exponentiation mod n²).
 * @example
 * // a Node worker thread:  const serve = servePaillierRequests((r) => parentPort!.postMessage(r)); parentPort!.on('message', serve);
 * // a Web Worker:          const serve = servePaillierRequests((r) => postMessage(r)); onmessage = (e) => serve(e.data);
 */
export function servePaillierRequests(post: (reply: PaillierReply) => void): (request: PaillierRequest) => void {
  const keys = new Map<string, PaillierPrivateKey>();
  return (request) => {
    try {
      if (request.op === 'factors') {
        post({ id: request.id, ok: true, values: computeRandomFactors(request.n, request.count) });
        return;
      }
      const name = `${request.p.toString(36)}:${request.q.toString(36)}`;
      let key = keys.get(name);
      if (!key) keys.set(name, (key = new PaillierPrivateKey(request.p, request.q)));
      post({ id: request.id, ok: true, values: request.ciphertexts.map((c) => key.decrypt(c)) });
    } catch (err) {
      const code = err instanceof PaillierError ? err.code : 'PAILLIER_WORKER_FAILED';
      post({ id: request.id, ok: false, code, message: err instanceof Error ? err.message : String(err) });
    }
  };
}

/** A request before the pool numbers it. */
type Unnumbered<T> = T extends unknown ? Omit<T, 'id'> : never;

interface Pending {
  resolve(values: bigint[]): void;
  reject(err: Error): void;
}

/** Randomness factors per request: small enough for a progress line every few seconds at 2048 bits. */
const FACTOR_CHUNK = 8;

/**
 * Runs r^n precomputation and batches of decryptions on `size` workers, chunk by chunk, so a
 * party's hot loop (the arbiter's decryption of every gradient entry, the pools' offline fill)
 * uses every core instead of one.
 * @example
 * const pool = new PaillierWorkerPool(() => nodeEndpoint(spawnWorker()), 2);
 * await pool.fillPool(randomness, 1000, (done, total) => log(`${done}/${total}`));
 * const plaintexts = await pool.decrypt(privateKey, ciphertexts);
 * await pool.close();
 */
export class PaillierWorkerPool {
  private readonly workers: PaillierWorkerEndpoint[];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private turn = 0;
  private closed = false;

  constructor(spawn: () => PaillierWorkerEndpoint, readonly size = 2) {
    if (!Number.isInteger(size) || size < 1) throw new PaillierError('PAILLIER_BAD_PARAMETER', 'a worker pool needs at least one worker');
    this.workers = Array.from({ length: size }, () => {
      const worker = spawn();
      worker.onMessage((reply) => this.settle(reply));
      return worker;
    });
  }

  /**
   * `count` fresh factors r^n mod n²; `onProgress` after each chunk, and `onChunk` with the chunk's
   * factors as soon as they arrive (to use them before the whole fill is done).
   */
  async randomFactors(n: bigint, count: number, onProgress?: (done: number, total: number) => void, onChunk?: (factors: bigint[]) => void): Promise<bigint[]> {
    const chunks: Promise<bigint[]>[] = [];
    let done = 0;
    for (let start = 0; start < count; start += FACTOR_CHUNK) {
      const size = Math.min(FACTOR_CHUNK, count - start);
      chunks.push(this.request({ op: 'factors', n, count: size }).then((values) => {
        done += values.length;
        onChunk?.(values);
        onProgress?.(done, count);
        return values;
      }));
    }
    return (await Promise.all(chunks)).flat();
  }

  /** Fills a randomness pool with `count` factors computed on the workers. */
  async fillPool(pool: PaillierRandomnessPool, count: number, onProgress?: (done: number, total: number) => void): Promise<void> {
    pool.addFactors(await this.randomFactors(pool.publicKey.n, count, onProgress));
  }

  /**
   * The plaintexts of `ciphertexts`, in order, decrypted by CRT on the workers (each validated
   * there: a bad one rejects with PAILLIER_BAD_CIPHERTEXT, as `privateKey.decrypt` throws).
   */
  async decrypt(privateKey: PaillierPrivateKey, ciphertexts: readonly PaillierCiphertext[]): Promise<bigint[]> {
    const per = Math.ceil(ciphertexts.length / this.size);
    const parts: Promise<bigint[]>[] = [];
    for (let start = 0; start < ciphertexts.length; start += per) {
      parts.push(this.request({ op: 'decrypt', p: privateKey.p, q: privateKey.q, ciphertexts: ciphertexts.slice(start, start + per) }));
    }
    return (await Promise.all(parts)).flat();
  }

  /**
   * A worker died (its platform reported an error or an exit): every pending request rejects with
   * PAILLIER_WORKER_FAILED instead of waiting for an answer that will not come, and the pool closes.
   */
  fail(reason: string): void {
    if (this.closed) return;
    for (const p of this.pending.values()) p.reject(new PaillierError('PAILLIER_WORKER_FAILED', `a Paillier worker failed: ${reason}`));
    this.pending.clear();
    void this.close();
  }

  /** Ends the workers; pending requests reject. */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.pending.values()) p.reject(new PaillierError('PAILLIER_BAD_PARAMETER', 'the worker pool was closed'));
    this.pending.clear();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private request(body: Unnumbered<PaillierRequest>): Promise<bigint[]> {
    if (this.closed) return Promise.reject(new PaillierError('PAILLIER_BAD_PARAMETER', 'the worker pool was closed'));
    const id = this.nextId++;
    const worker = this.workers[this.turn++ % this.workers.length]!;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ ...body, id } as PaillierRequest);
    });
  }

  private settle(reply: PaillierReply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    if (reply.ok) pending.resolve(reply.values);
    else pending.reject(new PaillierError(reply.code as PaillierErrorCode, reply.message));
  }
}
