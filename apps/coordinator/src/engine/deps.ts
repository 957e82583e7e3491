// What the round engine needs from the rest of the coordinator, gathered in one record.

import type { FastifyBaseLogger } from 'fastify';
import type { DatasetRegistry } from '../datasets/DatasetRegistry.ts';
import type { EventBus } from '../events/EventBus.ts';
import type { CoordinatorMetrics } from '../metrics.ts';
import type { ModelService } from '../model/ModelService.ts';
import type { ModelUploads } from '../model/ModelUploads.ts';
import type { Store } from '../store/Store.ts';
import type { BaselineService } from './BaselineService.ts';
import type { ClientRegistry } from './ClientRegistry.ts';
import type { CollectorContext, UpdateCollector } from './collectors.ts';
import type { TaskConfig } from '@flotilla/protocol';

/** The edge hierarchy (`--nats`, edges/): which tasks it takes, and the collector of its rounds. */
export interface HierarchyHooks {
  /** Throws a coded FlotillaError for a task the hierarchy cannot run (`code` is the one to use). */
  admitTask(config: TaskConfig, code?: 'FLT_HIERARCHY_UNSUPPORTED' | 'FLT_INVALID_TASK'): void;
  /** The collector of one round: partial sums from the edges, plus this process's own clients. */
  openCollector(ctx: CollectorContext): UpdateCollector;
}

export interface EngineDeps {
  store: Store;
  registry: ClientRegistry;
  bus: EventBus;
  models: ModelService;
  /** Pretrained models operators uploaded, which a task may start from. */
  uploads: ModelUploads;
  baselines: BaselineService;
  metrics: CoordinatorMetrics;
  log: FastifyBaseLogger;
  /** Largest WebSocket frame a client may send: a task whose update cannot fit one is refused at creation. */
  maxFrameBytes?: number;
  /** Where a task's dataset and test set are read from. */
  datasets: DatasetRegistry;
  /** Is this the task that unbound clients follow? */
  isActiveTask(taskId: string): boolean;
  /** Path (relative to the coordinator) of a model version's weights frame. */
  weightsPath(taskId: string, version: number): string;
  /** Present when this coordinator is the root of edge aggregators (`--nats`). */
  hierarchy?: HierarchyHooks;
}
