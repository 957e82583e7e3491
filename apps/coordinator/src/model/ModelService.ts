// The coordinator's access to TensorFlow.js: one long-lived worker for quick jobs (initial
// weights, evaluation, export) and a fresh worker per centralized baseline, so a baseline that
// trains for minutes never delays a round's evaluation.

import type { ModelSpec } from '@flotilla/protocol';
import { WorkerRpc } from './WorkerRpc.ts';
import type { BaselineEpoch, BaselineJob, BaselineResult, EvaluateResult, ExportResult, InitResult } from './jobs.ts';

const workerFile = new URL('./modelWorker.ts', import.meta.url);

/**
 * @example const { weights, shapes } = await models.init({ kind: 'mnist-2nn' }, 1);
 */
export class ModelService {
  private quick: WorkerRpc | null = null;
  private readonly baselineWorkers = new Set<WorkerRpc>();

  init(model: ModelSpec, seed: number): Promise<InitResult> {
    return this.worker().call<InitResult>('init', { model, seed });
  }

  evaluate(model: ModelSpec, weights: Float32Array, testLimit: number): Promise<EvaluateResult> {
    const copy = weights.slice();
    return this.worker().call<EvaluateResult>('evaluate', { model, weights: copy, testLimit }, { transfer: [copy.buffer] });
  }

  exportTfjs(model: ModelSpec, weights: Float32Array): Promise<ExportResult> {
    return this.worker().call<ExportResult>('exportTfjs', { model, weights: weights.slice() });
  }

  async baseline(job: BaselineJob, onEpoch: (epoch: BaselineEpoch) => void): Promise<BaselineResult> {
    const rpc = new WorkerRpc(workerFile);
    this.baselineWorkers.add(rpc);
    try {
      return await rpc.call<BaselineResult>('baseline', job, { onProgress: (p) => onEpoch(p as BaselineEpoch) });
    } finally {
      this.baselineWorkers.delete(rpc);
      await rpc.close();
    }
  }

  async close(): Promise<void> {
    const all = [...this.baselineWorkers, ...(this.quick ? [this.quick] : [])];
    this.quick = null;
    await Promise.all(all.map((w) => w.close()));
  }

  private worker(): WorkerRpc {
    this.quick ??= new WorkerRpc(workerFile);
    return this.quick;
  }
}
