// Centralized baselines: for each task, the same model and optimiser trained on the union of
// the clients' partitions (Yang et al. 2019's reference for the accuracy loss δ). Results are
// cached by a fingerprint of everything that determines them, so restarts and identical tasks
// reuse one run.

import { createHash } from 'node:crypto';
import { FlotillaError, type TaskConfig } from '@flotilla/protocol';
import type { EventBus } from '../events/EventBus.ts';
import type { ModelService } from '../model/ModelService.ts';
import type { BaselineJob } from '../model/jobs.ts';
import type { BaselineRecord, Store } from '../store/Store.ts';

/** What determines a baseline's result; two tasks with equal jobs share one baseline. */
export function baselineJob(config: TaskConfig): BaselineJob {
  return {
    model: config.model,
    partition: config.data.partition,
    testLimit: config.data.testLimit,
    batchSize: config.fit.batchSize,
    learningRate: config.fit.learningRate,
    maxEpochs: config.baseline.maxEpochs,
    patience: config.baseline.patience,
    validationFraction: config.baseline.validationFraction,
    seed: config.seed,
  };
}

export function baselineFingerprint(job: BaselineJob): string {
  return createHash('sha256').update(JSON.stringify({ v: 1, optimizer: 'sgd', ...job })).digest('hex').slice(0, 32);
}

export class BaselineService {
  private readonly running = new Map<string, Promise<BaselineRecord>>();

  constructor(
    private readonly store: Store,
    private readonly models: ModelService,
    private readonly bus: EventBus,
    private readonly log: { info(obj: object, msg: string): void; error(obj: object, msg: string): void },
  ) {}

  /** The finished baseline for a task, or null while it trains (or when disabled). */
  accuracyFor(config: TaskConfig): number | null {
    const record = this.store.getBaseline(baselineFingerprint(baselineJob(config)));
    return record?.status === 'done' ? record.accuracy : null;
  }

  record(config: TaskConfig): BaselineRecord | null {
    return this.store.getBaseline(baselineFingerprint(baselineJob(config)));
  }

  /** Starts the baseline of a task unless it is cached or already training; never throws. */
  ensure(taskId: string, config: TaskConfig): void {
    if (!config.baseline.enabled) return;
    const job = baselineJob(config);
    const fingerprint = baselineFingerprint(job);
    const cached = this.store.getBaseline(fingerprint);
    if (cached?.status === 'done') {
      if (cached.accuracy !== null) this.store.backfillBaseline(taskId, cached.accuracy);
      return;
    }
    if (this.running.has(fingerprint)) return;
    const epochs: BaselineRecord['epochs'] = [];
    const save = (patch: Partial<BaselineRecord>): BaselineRecord => {
      const record: BaselineRecord = { fingerprint, status: 'running', accuracy: null, loss: null, epochs, error: null, updatedAt: Date.now(), ...patch };
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
        const record = save({ status: 'done', accuracy: result.accuracy, loss: result.loss, epochs: result.epochs });
        // Every task sharing this fingerprint gets δ for the rounds it ran meanwhile.
        let filled = 0;
        for (const task of this.store.listTasks()) {
          if (baselineFingerprint(baselineJob(task.config)) === fingerprint) filled += this.store.backfillBaseline(task.id, result.accuracy);
        }
        this.log.info({ taskId, accuracy: result.accuracy, epochs: result.epochs.length, filled }, 'centralized baseline done');
        this.bus.publish('baseline.done', taskId, { accuracy: result.accuracy, loss: result.loss, epochs: result.epochs.length });
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
