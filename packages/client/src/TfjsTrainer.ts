// The TensorFlow.js trainer: one model instance per architecture, trained by one job at a time
// (clients sharing a thread take turns, as they would share a device's cores).

import type * as tf from '@tensorflow/tfjs';
import { createModel, getFlatWeights, setFlatWeights, trainLocal, weightShapes } from '@flotilla/models';
import type { DeviceInfo } from '@flotilla/protocol';
import type { Trainer, TrainJob, TrainOutcome } from './types.ts';

/**
 * @example const trainer = new TfjsTrainer({ backend: 'wasm' });
 */
export class TfjsTrainer implements Trainer {
  private readonly models = new Map<string, Promise<tf.LayersModel>>();
  private queue: Promise<unknown> = Promise.resolve();
  private speed: number | undefined;

  constructor(private readonly info: DeviceInfo) {}

  device(): DeviceInfo {
    return { ...this.info, ...(this.speed === undefined ? {} : { examplesPerSec: Math.round(this.speed) }) };
  }

  /**
   * Measures this device's training speed on a few batches, so the first hello already tells the
   * coordinator (and the dashboard) how fast the device is; later rounds refine it.
   * @example await trainer.calibrate({ kind: 'mnist-2nn' }, sample);
   */
  async calibrate(model: TrainJob['model'], data: TrainJob['data'], batchSize = 10): Promise<number> {
    const probe = await createModel(model, 0);
    try {
      const started = performance.now();
      const result = await trainLocal(probe, data, { epochs: 1, batchSize, learningRate: 0.01, seed: 0 });
      this.speed = result.numExamples / Math.max((performance.now() - started) / 1000, 1e-3);
      return this.speed;
    } finally {
      probe.dispose();
    }
  }

  train(job: TrainJob): Promise<TrainOutcome> {
    const run = this.queue.then(() => this.trainNow(job));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async trainNow(job: TrainJob): Promise<TrainOutcome> {
    job.signal.throwIfAborted();
    const model = await this.model(job.model);
    setFlatWeights(model, job.weights);
    const started = performance.now();
    const result = await trainLocal(
      model, job.data,
      {
        epochs: job.plan.epochs, batchSize: job.plan.batchSize, learningRate: job.plan.learningRate, proximalMu: job.plan.proximalMu, seed: job.plan.seed,
        ...(job.plan.dpSgd ? { dpSgd: job.plan.dpSgd } : {}),
      },
      { signal: job.signal, onProgress: job.onProgress },
    );
    const trainMs = performance.now() - started;
    this.speed = (result.numExamples * job.plan.epochs) / Math.max(trainMs / 1000, 1e-3);
    const update = getFlatWeights(model);
    for (let i = 0; i < update.length; i++) update[i]! -= job.weights[i]!;
    return {
      update, shapes: weightShapes(model), numExamples: result.numExamples,
      metrics: { loss: result.loss, accuracy: result.accuracy, trainMs },
    };
  }

  private model(spec: TrainJob['model']): Promise<tf.LayersModel> {
    const key = JSON.stringify(spec);
    let model = this.models.get(key);
    if (!model) {
      model = createModel(spec, 0);
      this.models.set(key, model);
    }
    return model;
  }
}
