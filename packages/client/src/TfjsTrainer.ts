// The TensorFlow.js trainer: one model instance per architecture and schema, used by one job at a
// time, training or evaluating (clients sharing a thread take turns, as they would share a
// device's cores; an evaluation never runs on a model instance while it trains).

import type * as tf from '@tensorflow/tfjs';
import { createModel, evaluate, getFlatWeights, setFlatWeights, trainLocal, weightShapes } from '@flotilla/models';
import { evaluatePersonalised, trainPersonalised, type PersonalMetrics } from './personal/personalTraining.ts';
import { MNIST_SCHEMA, type DataSchema, type DeviceInfo, type EvaluationMetrics, type ModelSpec } from '@flotilla/protocol';
import { selectLocal } from './localData.ts';
import { examplesTrained } from './workTiming.ts';
import type { EvaluateJob, PersonalEvaluateJob, Trainer, TrainJob, TrainOutcome } from './types.ts';

const stopHook = (stopAt: number | undefined) => (stopAt === undefined ? {} : { shouldStop: () => Date.now() >= stopAt });

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
  async calibrate(model: TrainJob['model'], data: TrainJob['data'], batchSize = 10, schema: DataSchema = MNIST_SCHEMA): Promise<number> {
    const probe = await createModel(model, 0, schema);
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
    return this.enqueue(() => this.trainNow(job));
  }

  /** Evaluates the job's weights on its held-out rows, after any training queued before it. */
  evaluate(job: EvaluateJob): Promise<EvaluationMetrics> {
    return this.enqueue(async () => {
      job.signal.throwIfAborted();
      const model = await this.model(job.model, job.schema);
      setFlatWeights(model, job.weights);
      return evaluate(model, selectLocal(job.data, job.examples), job.schema);
    });
  }

  /** The personal and local-only models on the held-out rows (see evaluatePersonalised), after any queued training. */
  evaluatePersonal(job: PersonalEvaluateJob): Promise<PersonalMetrics> {
    return this.enqueue(async () => {
      job.signal.throwIfAborted();
      const model = await this.model(job.model, job.schema);
      return evaluatePersonalised(
        model, job.weights, job.personalization, job.personal, selectLocal(job.data, job.examples), selectLocal(job.data, job.trainExamples), job.schema, job.signal,
      );
    });
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async trainNow(job: TrainJob): Promise<TrainOutcome> {
    job.signal.throwIfAborted();
    const schema = job.schema ?? MNIST_SCHEMA;
    const model = await this.model(job.model, schema);
    const data = selectLocal(job.data, job.examples);
    const plan = {
      epochs: job.plan.epochs, batchSize: job.plan.batchSize, learningRate: job.plan.learningRate, proximalMu: job.plan.proximalMu, seed: job.plan.seed,
      ...(job.plan.dpSgd ? { dpSgd: job.plan.dpSgd } : {}),
      ...(job.plan.localSteps === undefined ? {} : { localSteps: job.plan.localSteps }),
    };
    const hooks = { signal: job.signal, onProgress: job.onProgress, ...stopHook(job.stopAt) };
    const started = performance.now();
    const spec = job.plan.personalization;
    let update: Float32Array;
    let result: Awaited<ReturnType<typeof trainLocal>>;
    let personal: Pick<TrainOutcome, 'personal' | 'headTensors'> = {};
    if (spec && spec.mode !== 'none') {
      // The local-only baseline starts from a fresh initialisation, never from a federated model.
      const initial = async () => {
        const fresh = await createModel(job.model, job.plan.seed, schema);
        try { return getFlatWeights(fresh); } finally { fresh.dispose(); }
      };
      const outcome = await trainPersonalised(model, job.weights, data, plan, spec, job.personal ?? null, hooks, initial);
      ({ result } = outcome);
      update = outcome.trained;
      personal = { personal: outcome.state, ...(outcome.headTensors ? { headTensors: outcome.headTensors } : {}) };
    } else {
      setFlatWeights(model, job.weights);
      result = await trainLocal(model, data, plan, hooks);
      update = getFlatWeights(model);
    }
    const trainMs = performance.now() - started;
    this.speed = examplesTrained(result.steps, job.plan.batchSize, result.numExamples) / Math.max(trainMs / 1000, 1e-3);
    for (let i = 0; i < update.length; i++) update[i]! -= job.weights[i]!;
    return {
      update, shapes: weightShapes(model), numExamples: result.numExamples,
      // A regression has no accuracy; the update's metrics carry its squared error as the loss.
      metrics: { loss: result.loss, accuracy: result.accuracy ?? 0, trainMs }, localSteps: result.steps,
      ...personal,
    };
  }

  private model(spec: ModelSpec, schema: DataSchema): Promise<tf.LayersModel> {
    // The schema shapes a `schema` model (and nothing else), so it is part of the key only there.
    const key = JSON.stringify(spec.kind === 'schema' ? [spec, schema] : spec);
    let model = this.models.get(key);
    if (!model) {
      model = createModel(spec, 0, schema);
      model.catch(() => this.models.delete(key));
      this.models.set(key, model);
    }
    return model;
  }
}
