// The page side of the browser trainer: a Trainer whose training runs in a Web Worker. Global
// weights go in and the update comes back as transferred ArrayBuffers; the page thread only
// relays progress, so it stays responsive while the worker computes.

import type { DeviceInfo, EvaluationMetrics } from '@flotilla/protocol';
import type { EvaluateJob, LocalData, PersonalEvaluateJob, Trainer, TrainJob, TrainOutcome } from '../types.ts';
import type { PersonalMetrics } from '../personal/personalTraining.ts';
import type { BackendChoice } from './backendLadder.ts';
import { examplesTrained } from '../workTiming.ts';
import type { TrainerWorkerApi, WorkerProgress } from './trainerWorker.ts';

/** The worker API as the page sees it (every call is asynchronous across the thread boundary). */
export type TrainerWorkerRemote = {
  [K in keyof TrainerWorkerApi]: (...args: Parameters<TrainerWorkerApi[K]>) => Promise<Awaited<ReturnType<TrainerWorkerApi[K]>>>;
};

export interface WorkerTrainerOptions {
  remote: TrainerWorkerRemote;
  choice: BackendChoice;
  /** comlink's `transfer`: marks the weights buffer as moved, not copied. */
  transfer?: <T>(value: T, transferables: Transferable[]) => T;
  /** comlink's `proxy`: lets the worker call back into the page. */
  proxy?: <T extends object>(value: T) => T;
  userAgent?: string;
}

/**
 * The examples of a browser client live in its worker; the page's `LocalData` carries their
 * count only (what the hello reports), so no copy of them exists on the page thread.
 */
export function workerLocalData(count: number): LocalData {
  return { features: new Float32Array(0), labels: new Uint8Array(0), count };
}

/**
 * @example
 * const remote = wrap<TrainerWorkerApi>(new Worker(url, { type: 'module' }));
 * const choice = await remote.init({ force: null });
 * const trainer = await WorkerTrainer.create({ remote, choice, transfer, proxy });
 */
export class WorkerTrainer implements Trainer {
  private nextId = 1;
  private speed: number;
  private readonly progress = new Map<number, TrainJob['onProgress']>();

  private constructor(private readonly options: WorkerTrainerOptions) {
    this.speed = options.choice.examplesPerSec;
  }

  static async create(options: WorkerTrainerOptions): Promise<WorkerTrainer> {
    const trainer = new WorkerTrainer(options);
    const listener = (p: WorkerProgress) => {
      const { id, ...rest } = p;
      trainer.progress.get(id)?.(rest);
    };
    await options.remote.onProgress(options.proxy ? options.proxy(listener) : listener);
    return trainer;
  }

  device(): DeviceInfo {
    return {
      backend: this.options.choice.backend, examplesPerSec: Math.round(this.speed),
      ...(this.options.userAgent ? { userAgent: this.options.userAgent.slice(0, 512) } : {}),
    };
  }

  async train(job: TrainJob): Promise<TrainOutcome> {
    return this.inWorker(job, async (id, weights, transfer) => {
      this.progress.set(id, job.onProgress);
      try {
        const workerJob = {
          id, model: job.model, weights, plan: job.plan, ...(job.schema ? { schema: job.schema } : {}), ...(job.examples ? { examples: job.examples } : {}),
          ...(job.stopAt === undefined ? {} : { stopAt: job.stopAt }),
          ...(job.personal !== undefined ? { personal: job.personal } : {}),
        };
        const outcome = await this.options.remote.train(transfer(workerJob, [weights.buffer]));
        if (outcome.metrics.trainMs > 0) this.speed = (outcome.localSteps === undefined ? outcome.numExamples * job.plan.epochs : examplesTrained(outcome.localSteps, job.plan.batchSize, outcome.numExamples)) / (outcome.metrics.trainMs / 1000);
        return outcome;
      } finally {
        this.progress.delete(id);
      }
    });
  }

  /** Evaluates in the worker, on the held-out rows of the examples it holds (its trainer's queue orders it after training). */
  async evaluate(job: EvaluateJob): Promise<EvaluationMetrics> {
    return this.inWorker(job, (id, weights, transfer) =>
      this.options.remote.evaluate(transfer({ id, model: job.model, schema: job.schema, weights, examples: job.examples }, [weights.buffer])));
  }

  /** The personal and local-only models, evaluated in the worker on the held-out rows it holds. */
  async evaluatePersonal(job: PersonalEvaluateJob): Promise<PersonalMetrics> {
    return this.inWorker(job, (id, weights, transfer) => this.options.remote.evaluatePersonal(transfer({
      id, model: job.model, schema: job.schema, weights, examples: job.examples,
      personalization: job.personalization, personal: job.personal, trainExamples: job.trainExamples,
    }, [weights.buffer])));
  }

  /**
   * One job in the worker under its own id: aborting the job's signal aborts it there. The cached
   * global weights stay usable on the page: a copy crosses, and is moved, not cloned.
   */
  private async inWorker<T>(
    job: { signal: AbortSignal; weights: Float32Array },
    run: (id: number, weights: Float32Array, transfer: <V>(value: V, transferables: Transferable[]) => V) => Promise<T>,
  ): Promise<T> {
    job.signal.throwIfAborted();
    const id = this.nextId++;
    const weights = job.weights.slice();
    const transfer = this.options.transfer ?? (<V>(value: V) => value);
    const onAbort = () => void this.options.remote.abort(id);
    job.signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await run(id, weights, transfer);
    } finally {
      job.signal.removeEventListener('abort', onAbort);
    }
  }
}
