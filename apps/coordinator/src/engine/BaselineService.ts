// Centralized baselines: for each task, the same model and optimiser trained on the union of
// the clients' partitions (Yang et al. 2019's reference for the accuracy loss δ). Results are
// cached by a fingerprint of everything that determines them, so restarts and identical tasks
// reuse one run.

import { createHash } from 'node:crypto';
import { BUILTIN_MNIST, FlotillaError, taskSchema, type TaskConfig } from '@flotilla/protocol';
import type { DatasetRegistry } from '../datasets/DatasetRegistry.ts';
import type { EventBus } from '../events/EventBus.ts';
import type { ModelService } from '../model/ModelService.ts';
import type { BaselineJob } from '../model/jobs.ts';
import type { BaselineRecord, Store } from '../store/Store.ts';

/** Why a task has no baseline, or null when it has one: the coordinator must hold the union of the data. */
export function noBaselineReason(config: TaskConfig): string | null {
  if (config.data.dataset === undefined) return 'no baseline: the clients bring their own data, so the coordinator does not hold the union of it';
  return null;
}

/**
 * What determines a baseline's result; two tasks with equal jobs share one baseline. An MNIST task
 * with nothing held out keeps the job (and fingerprint) it always had; any other names its data.
 */
export function baselineJob(config: TaskConfig, datasets?: Pick<DatasetRegistry, 'source'>): BaselineJob {
  const { data } = config;
  const fraction = data.clientTestFraction ?? 0;
  const legacy = (data.dataset ?? BUILTIN_MNIST) === BUILTIN_MNIST && fraction === 0 && (data.testDataset ?? 'mnist-test') === 'mnist-test';
  const source = (id: string) => datasets?.source(id) ?? { kind: 'registered' as const, id, dir: '' };
  return {
    model: config.model,
    partition: data.partition,
    ...(legacy ? {} : {
      data: {
        schema: taskSchema(data), dataset: source(data.dataset ?? BUILTIN_MNIST),
        test: data.testDataset === undefined ? null : source(data.testDataset), clientTestFraction: fraction,
      },
    }),
    testLimit: config.data.testLimit,
    batchSize: config.fit.batchSize,
    learningRate: config.fit.learningRate,
    maxEpochs: config.baseline.maxEpochs,
    patience: config.baseline.patience,
    validationFraction: config.baseline.validationFraction,
    seed: config.seed,
  };
}

/** Content, not place: a dataset's directory does not count (its id is the hash of its content). */
export function baselineFingerprint(job: BaselineJob): string {
  const { data, ...rest } = job;
  const named = data === undefined ? {} : { data: { ...data, dataset: data.dataset.id, test: data.test?.id ?? null } };
  return createHash('sha256').update(JSON.stringify({ v: 1, optimizer: 'sgd', ...rest, ...named })).digest('hex').slice(0, 32);
}

export class BaselineService {
  private readonly running = new Map<string, Promise<BaselineRecord>>();

  constructor(
    private readonly store: Store,
    private readonly models: ModelService,
    private readonly bus: EventBus,
    private readonly log: { info(obj: object, msg: string): void; error(obj: object, msg: string): void },
    private readonly datasets?: Pick<DatasetRegistry, 'source'>,
  ) {}

  /** The finished baseline for a task, or null while it trains (or when disabled). */
  accuracyFor(config: TaskConfig): number | null {
    if (noBaselineReason(config) !== null) return null;
    const record = this.store.getBaseline(baselineFingerprint(baselineJob(config)));
    return record?.status === 'done' ? record.accuracy : null;
  }

  /** The baseline's record; for a task that cannot have one, an 'unavailable' record saying why. */
  record(config: TaskConfig): BaselineRecord | null {
    const reason = noBaselineReason(config);
    if (reason !== null) return { fingerprint: '', status: 'unavailable', accuracy: null, loss: null, epochs: [], error: reason, updatedAt: 0, evaluatedOn: null };
    return this.store.getBaseline(baselineFingerprint(baselineJob(config)));
  }

  /** Starts the baseline of a task unless it is cached or already training; never throws. */
  ensure(taskId: string, config: TaskConfig): void {
    if (!config.baseline.enabled || noBaselineReason(config) !== null) return;
    const job = baselineJob(config, this.datasets);
    const fingerprint = baselineFingerprint(job);
    const cached = this.store.getBaseline(fingerprint);
    if (cached?.status === 'done') {
      if (cached.accuracy !== null) this.store.backfillBaseline(taskId, cached.accuracy);
      return;
    }
    if (this.running.has(fingerprint)) return;
    const epochs: BaselineRecord['epochs'] = [];
    const save = (patch: Partial<BaselineRecord>): BaselineRecord => {
      const record: BaselineRecord = { fingerprint, status: 'running', accuracy: null, loss: null, epochs, error: null, updatedAt: Date.now(), evaluatedOn: null, ...patch };
      this.store.putBaseline(record);
      return record;
    };
    save({});
    this.log.info({ taskId, fingerprint }, 'centralized baseline started');
    const run = this.models
      .baseline(job, (epoch) => {
        epochs.push(epoch);
        save({});
        this.bus.publish('baseline.progress', taskId, { ...epoch, maxEpochs: job.maxEpochs });
      }, { taskId })
      .then((result) => {
        const record = save({ status: 'done', accuracy: result.accuracy, loss: result.loss, epochs: result.epochs, evaluatedOn: result.evaluatedOn });
        // Every task sharing this fingerprint gets δ for the rounds it ran meanwhile.
        let filled = 0;
        for (const task of this.store.listTasks()) {
          if (result.accuracy !== null && noBaselineReason(task.config) === null && baselineFingerprint(baselineJob(task.config)) === fingerprint) {
            filled += this.store.backfillBaseline(task.id, result.accuracy);
          }
        }
        this.log.info({ taskId, accuracy: result.accuracy, epochs: result.epochs.length, filled }, 'centralized baseline done');
        this.bus.publish('baseline.done', taskId, { accuracy: result.accuracy, loss: result.loss, epochs: result.epochs.length, evaluatedOn: result.evaluatedOn });
        return record;
      })
      .catch((err: unknown) => {
        const message = err instanceof FlotillaError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
        this.log.error({ taskId, err: message }, 'centralized baseline failed');
        return save({ status: 'failed', error: message });
      })
      .finally(() => this.running.delete(fingerprint));
    this.running.set(fingerprint, run);
  }

  /** Resolves when every baseline in flight has finished (used at shutdown and in tests). */
  async settled(): Promise<void> {
    await Promise.all(this.running.values());
  }
}
