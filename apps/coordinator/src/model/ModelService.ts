// The coordinator's access to TensorFlow.js: one long-lived worker for quick jobs (initial
// weights, evaluation, export) and a fresh worker per centralized baseline, so a baseline that
// trains for minutes never delays a round's evaluation. A quick worker that dies or times out is
// replaced by a fresh one at the next call; its jobs in flight fail with FLT_MODEL_WORKER_FAILED.

import { ErrorCodes, hasErrorCode, type DataSchema, type ModelSpec } from '@flotilla/protocol';
import { WorkerRpc, type WorkerFailure } from './WorkerRpc.ts';
import type {
  BaselineEpoch, BaselineJob, BaselineResult, ContributionJob, ContributionJobResult, ContributionProgress, ContributionSetup, EvaluateResult, EvaluationData, ExportResult, InitResult, InitTaskJob, InitTaskResult, InspectUploadJob,
  InspectUploadResult,
} from './jobs.ts';

/** How long a job may go without an answer from its worker before the worker counts as dead. */
export interface ModelTimeouts {
  initMs: number;
  /** Generous: the CNN on 10,000 test images takes tens of seconds on a loaded two-core machine. */
  evaluateMs: number;
  exportMs: number;
  /** Between two baseline epochs (each epoch's progress re-arms it), not for the whole baseline. */
  baselineEpochMs: number;
  /** Between two sub-model evaluations of a contribution job (each re-arms it). */
  contributionStepMs: number;
}

export const DEFAULT_MODEL_TIMEOUTS: ModelTimeouts = { initMs: 120_000, evaluateMs: 600_000, exportMs: 120_000, baselineEpochMs: 1_800_000, contributionStepMs: 600_000 };

/** What a job was for, carried into the failure report (the dashboard shows the task and round). */
export interface JobContext {
  taskId?: string;
  round?: number;
}

export interface ModelWorkerFailure extends WorkerFailure, JobContext {
  /** 'quick' for the shared worker, 'baseline' for a baseline's own, 'contribution' for valuations. */
  worker: 'quick' | 'baseline' | 'contribution';
}

export interface ModelServiceOptions {
  timeouts?: Partial<ModelTimeouts>;
  /** The worker module; tests substitute one that fails on demand. */
  workerFile?: URL;
  onWorkerFailure?: (failure: ModelWorkerFailure) => void;
}

/**
 * @example const { weights, shapes } = await models.init({ kind: 'mnist-2nn' }, 1);
 */
export class ModelService {
  private quick: WorkerRpc | null = null;
  /** Valuations have a worker of their own: a round's many sub-model evaluations never delay the next round's central evaluation. */
  private valuer: WorkerRpc | null = null;
  private readonly baselineWorkers = new Set<WorkerRpc>();
  private readonly timeouts: ModelTimeouts;
  private readonly workerFile: URL;
  /** The task and round of the quick worker's jobs in flight, for the failure report. */
  private readonly inFlight = new Set<JobContext>();
  private closed = false;

  constructor(private readonly options: ModelServiceOptions = {}) {
    this.timeouts = { ...DEFAULT_MODEL_TIMEOUTS, ...options.timeouts };
    this.workerFile = options.workerFile ?? new URL('./modelWorker.ts', import.meta.url);
  }

  init(model: ModelSpec, seed: number, schema?: DataSchema): Promise<InitResult> {
    return this.twice(() => this.quickCall<InitResult>('init', { model, seed, schema }, { timeoutMs: this.timeouts.initMs }));
  }

  /** A task's round-0 weights, their shapes and trainable mask; a refusal (bad spec, schema, freeze, source) is a result, not a throw. */
  initTask(job: InitTaskJob): Promise<InitTaskResult> {
    return this.twice(() => this.quickCall<InitTaskResult>('initTask', job, { timeoutMs: this.timeouts.initMs }));
  }

  /** Loads a pretrained upload with every check and describes its layers. */
  inspectUpload(job: InspectUploadJob): Promise<InspectUploadResult> {
    return this.twice(() => this.quickCall<InspectUploadResult>('inspectUpload', job, { timeoutMs: this.timeouts.initMs }));
  }

  /** Evaluates on the first `testLimit` examples of `data.test` (MNIST's test set when absent). */
  evaluate(model: ModelSpec, weights: Float32Array, testLimit: number, context: JobContext = {}, data?: EvaluationData): Promise<EvaluateResult> {
    const copy = weights.slice();
    return this.quickCall<EvaluateResult>('evaluate', { model, weights: copy, testLimit, ...data }, { transfer: [copy.buffer], timeoutMs: this.timeouts.evaluateMs }, context);
  }

  exportTfjs(model: ModelSpec, weights: Float32Array, schema?: DataSchema): Promise<ExportResult> {
    return this.twice(() => this.quickCall<ExportResult>('exportTfjs', { model, weights: weights.slice(), schema }, { timeoutMs: this.timeouts.exportMs }));
  }

  async baseline(job: BaselineJob, onEpoch: (epoch: BaselineEpoch) => void, context: JobContext = {}): Promise<BaselineResult> {
    const rpc = new WorkerRpc(this.workerFile, (failure) => this.options.onWorkerFailure?.({ ...failure, ...context, worker: 'baseline' }));
    this.baselineWorkers.add(rpc);
    try {
      return await rpc.call<BaselineResult>('baseline', job, { onProgress: (p) => onEpoch(p as BaselineEpoch), timeoutMs: this.timeouts.baselineEpochMs });
    } finally {
      this.baselineWorkers.delete(rpc);
      await rpc.close();
    }
  }

  /**
   * Values one round's reports (see contributionJob.ts) on the contribution worker; `onProgress`
   * hears of each sub-model evaluated. A dead worker fails the job with FLT_MODEL_WORKER_FAILED and
   * is replaced at the next call.
   */
  valueContributions(job: ContributionJob, onProgress: (progress: ContributionProgress) => void = () => {}, context: JobContext = {}): Promise<ContributionJobResult> {
    if (this.closed) return Promise.reject(new Error('model service is closed'));
    const transfer = [job.base.buffer, ...job.updates.map((u) => u.buffer)] as ArrayBuffer[];
    return this.valuerFor(context).call<ContributionJobResult>('valueContributions', job, {
      transfer: [...new Set(transfer)], onProgress: (p) => onProgress(p as ContributionProgress), timeoutMs: this.timeouts.contributionStepMs,
    });
  }

  /** Starts the contribution worker and has it read a task's model and validation split ahead of its first valuation. */
  prepareContributions(setup: ContributionSetup, context: JobContext = {}): Promise<void> {
    if (this.closed) return Promise.reject(new Error('model service is closed'));
    return this.valuerFor(context).call<void>('prepareContributions', setup, { timeoutMs: this.timeouts.contributionStepMs });
  }

  private valuerFor(context: JobContext): WorkerRpc {
    if (this.valuer?.alive) return this.valuer;
    const rpc: WorkerRpc = new WorkerRpc(this.workerFile, (failure) => {
      if (this.valuer === rpc) this.valuer = null;
      this.options.onWorkerFailure?.({ ...failure, ...context, worker: 'contribution' });
    });
    this.valuer = rpc;
    return rpc;
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.baselineWorkers, ...(this.quick ? [this.quick] : []), ...(this.valuer ? [this.valuer] : [])];
    this.quick = null;
    this.valuer = null;
    await Promise.all(all.map((w) => w.close()));
  }

  /**
   * A job without side effects whose worker died is tried once more on a fresh worker, so task
   * creation, a restart's resume or an export rides out one crash. (A round's evaluation retries
   * in the round engine, which reports it.)
   */
  private async twice<T>(job: () => Promise<T>): Promise<T> {
    try {
      return await job();
    } catch (err) {
      if (!hasErrorCode(err, ErrorCodes.MODEL_WORKER_FAILED) || this.closed) throw err;
      return await job();
    }
  }

  private async quickCall<T>(method: string, args: unknown, options: Parameters<WorkerRpc['call']>[2], context: JobContext = {}): Promise<T> {
    if (this.closed) throw new Error('model service is closed');
    this.inFlight.add(context);
    try {
      return await this.worker().call<T>(method, args, options);
    } finally {
      this.inFlight.delete(context);
    }
  }

  private worker(): WorkerRpc {
    if (this.quick?.alive) return this.quick;
    const rpc: WorkerRpc = new WorkerRpc(this.workerFile, (failure) => {
      if (this.quick === rpc) this.quick = null;
      const context = [...this.inFlight].find((c) => c.taskId !== undefined) ?? {};
      this.options.onWorkerFailure?.({ ...failure, ...context, worker: 'quick' });
    });
    this.quick = rpc;
    return rpc;
  }
}
