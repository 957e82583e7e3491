// Request/response over a worker thread: the coordinator keeps TensorFlow.js off its event loop
// so that sockets and rounds never stall behind a forward pass.

import type { Worker } from 'node:worker_threads';
import { spawnTsWorker } from './spawnTsWorker.ts';

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  onProgress?: (progress: unknown) => void;
}

export type WorkerReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string }
  | { id: number; progress: unknown };

/**
 * Calls methods of a worker module that answers with `{ id, ok, result | error }` and may send
 * `{ id, progress }` on the way.
 * @example const rpc = new WorkerRpc(new URL('./modelWorker.ts', import.meta.url));
 */
export class WorkerRpc {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  constructor(file: URL) {
    this.worker = spawnTsWorker(file);
    this.worker.on('message', (msg: WorkerReply) => this.onMessage(msg));
    this.worker.on('error', (err) => this.failAll(err));
    this.worker.on('exit', (code) => {
      if (!this.closed) this.failAll(new Error(`model worker exited with code ${code}`));
    });
  }

  call<T>(method: string, args: unknown, options: { transfer?: ArrayBuffer[]; onProgress?: (p: unknown) => void } = {}): Promise<T> {
    if (this.closed) return Promise.reject(new Error('model worker is closed'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
      this.worker.postMessage({ id, method, args }, options.transfer ?? []);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.failAll(new Error('model worker closed'));
    await this.worker.terminate();
  }

  private onMessage(msg: WorkerReply): void {
    const pending = this.pending.get(msg.id);
    if (!pending) return;
    if ('progress' in msg) {
      pending.onProgress?.(msg.progress);
      return;
    }
    this.pending.delete(msg.id);
    if (msg.ok) pending.resolve(msg.result);
    else pending.reject(new Error(msg.error));
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}
