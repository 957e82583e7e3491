// Request/response over a worker thread: the coordinator keeps TensorFlow.js off its event loop
// so that sockets and rounds never stall behind a forward pass. A worker that exits, throws
// outside a job or stays silent past a call's timeout is dead: every call it held fails with
// FLT_MODEL_WORKER_FAILED, and its owner replaces it (ModelService).

import type { Worker } from 'node:worker_threads';
import { ErrorCodes, FlotillaError } from '@flotilla/protocol';
import { spawnTsWorker } from './spawnTsWorker.ts';

interface Pending {
  method: string;
  resolve(value: unknown): void;
  reject(err: Error): void;
  onProgress?: (progress: unknown) => void;
  timeoutMs: number;
  timer: ReturnType<typeof setTimeout> | null;
}

export type WorkerReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string }
  | { id: number; progress: unknown };

export interface CallOptions {
  transfer?: ArrayBuffer[];
  onProgress?: (p: unknown) => void;
  /**
   * The call fails when the worker says nothing about it (no result, no progress) for this long;
   * 0 = never. A fresh worker's start (loading TensorFlow.js) counts towards its first job.
   */
  timeoutMs?: number;
}

/** Why a worker died, for its owner's log and the dashboard. */
export interface WorkerFailure {
  method: string | null;
  error: FlotillaError;
}

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
  private deadError: FlotillaError | null = null;

  constructor(file: URL, private readonly onDeath: (failure: WorkerFailure) => void = () => {}) {
    this.worker = spawnTsWorker(file);
    this.worker.on('message', (msg: WorkerReply) => this.onMessage(msg));
    this.worker.on('error', (err) => this.die(`model worker failed: ${err.message}`));
    this.worker.on('exit', (code) => this.die(`model worker exited with code ${code}`));
  }

  /** False once the worker died or was closed: calls then fail at once, and the owner spawns another. */
  get alive(): boolean {
    return !this.closed && this.deadError === null;
  }

  call<T>(method: string, args: unknown, options: CallOptions = {}): Promise<T> {
    if (this.closed) return Promise.reject(new Error('model worker is closed'));
    if (this.deadError) return Promise.reject(this.deadError);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const pending: Pending = {
        method, resolve: resolve as (v: unknown) => void, reject, timeoutMs: options.timeoutMs ?? 0, timer: null,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      };
      this.pending.set(id, pending);
      this.arm(pending);
      this.worker.postMessage({ id, method, args }, options.transfer ?? []);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.failAll(new Error('model worker closed'));
    await this.worker.terminate();
  }

  private arm(pending: Pending): void {
    if (pending.timer) clearTimeout(pending.timer);
    if (pending.timeoutMs <= 0) return;
    // A stuck worker (a runaway kernel, a deadlock) would hold every later job: it is terminated.
    pending.timer = setTimeout(() => {
      this.die(`model worker gave no answer to ${pending.method} within ${pending.timeoutMs / 1000} s`, pending.method);
      void this.worker.terminate();
    }, pending.timeoutMs);
    pending.timer.unref?.();
  }

  private onMessage(msg: WorkerReply): void {
    const pending = this.pending.get(msg.id);
    if (!pending) return;
    if ('progress' in msg) {
      this.arm(pending);
      pending.onProgress?.(msg.progress);
      return;
    }
    this.pending.delete(msg.id);
    if (pending.timer) clearTimeout(pending.timer);
    if (msg.ok) pending.resolve(msg.result);
    else pending.reject(new Error(msg.error));
  }

  private die(reason: string, method: string | null = null): void {
    if (this.closed || this.deadError) return;
    const failedMethod = method ?? this.pending.values().next().value?.method ?? null;
    this.deadError = new FlotillaError(ErrorCodes.MODEL_WORKER_FAILED, reason);
    this.failAll(this.deadError);
    this.onDeath({ method: failedMethod, error: this.deadError });
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
  }
}
