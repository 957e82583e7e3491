// The coordinator's parts wired together: store, client registry, event bus, model worker,
// baselines and task manager. The HTTP layer (app.ts) serves it; tests may drive it directly.

import type { FastifyBaseLogger } from 'fastify';
import { JoinTokens } from './auth/joinTokens.ts';
import type { DatasetRegistry } from './datasets/DatasetRegistry.ts';
import { EventBus } from './events/EventBus.ts';
import { BaselineService } from './engine/BaselineService.ts';
import { ClientRegistry } from './engine/ClientRegistry.ts';
import { TaskManager } from './engine/TaskManager.ts';
import type { HierarchyHooks } from './engine/deps.ts';
import { CoordinatorMetrics } from './metrics.ts';
import path from 'node:path';
import { ModelService, type ModelServiceOptions } from './model/ModelService.ts';
import { ModelUploads } from './model/ModelUploads.ts';
import type { Store } from './store/Store.ts';

export interface Coordinator {
  store: Store;
  registry: ClientRegistry;
  bus: EventBus;
  models: ModelService;
  /** Pretrained models uploaded with `POST /api/models`. */
  uploads: ModelUploads;
  baselines: BaselineService;
  metrics: CoordinatorMetrics;
  tasks: TaskManager;
  /** Built-in and registered datasets (simulation, central evaluation, baselines). */
  datasets: DatasetRegistry;
  /** Issued client join tokens: checked at each hello, revocable. */
  joinTokens: JoinTokens;
  /** True once shutdown began (beginShutdown or close): sockets closing then must not write to the store. */
  readonly closing: boolean;
  /** Marks the start of shutdown, before any socket is closed (the app calls it in preClose). */
  beginShutdown(): void;
  close(): Promise<void>;
}

export function createCoordinator(store: Store, log: FastifyBaseLogger, modelOptions: ModelServiceOptions, datasets: DatasetRegistry, dataDir?: string, maxFrameBytes?: number, hierarchy?: HierarchyHooks): Coordinator {
  const registry = new ClientRegistry();
  const bus = new EventBus(store);
  const metrics = new CoordinatorMetrics();
  const models = new ModelService({
    ...modelOptions,
    onWorkerFailure: (failure) => {
      const { code, message } = failure.error;
      metrics.modelWorkerFailures.inc({ job: failure.method ?? 'none' });
      log.error({ code, job: failure.method, worker: failure.worker, taskId: failure.taskId, round: failure.round, reason: message }, 'model worker failed; a fresh one takes the next job');
      bus.publish('model.worker', failure.taskId ?? null, {
        code, job: failure.method, worker: failure.worker, reason: message, ...(failure.round === undefined ? {} : { round: failure.round }),
      });
      modelOptions.onWorkerFailure?.(failure);
    },
  });
  const baselines = new BaselineService(store, models, bus, log, datasets);
  // Without a data directory (a coordinator driven in memory), uploads live in the working directory's .flotilla.
  const uploads = new ModelUploads(path.join(dataDir ?? '.flotilla', 'models'));
  const tasks = new TaskManager({
    store, registry, bus, models, uploads, baselines, metrics, log, datasets, ...(maxFrameBytes === undefined ? {} : { maxFrameBytes }),
    weightsPath: (taskId, version) => `/api/tasks/${taskId}/models/${version}/weights.frame`,
    ...(hierarchy ? { hierarchy } : {}),
  });
  registry.on('left', (clientId: string) => {
    for (const runner of tasks.liveRunners()) runner.clientLeft(clientId);
  });
  const joinTokens = new JoinTokens(store, registry);
  let closing = false;
  return {
    store, registry, bus, models, uploads, baselines, metrics, tasks, joinTokens, datasets,
    get closing() {
      return closing;
    },
    beginShutdown() {
      closing = true;
    },
    async close() {
      closing = true;
      await tasks.shutdown();
      await models.close();
      store.close();
    },
  };
}
