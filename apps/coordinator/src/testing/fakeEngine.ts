// Fake dependencies of the round engine (store, bus, models, clients) for unit tests of the
// runner: in memory, no sockets, no SQLite, no model worker.

import type { FastifyBaseLogger } from 'fastify';
import type { DeviceInfo, NamedTensor, RoundPlan, TaskConfig, TaskState, Update } from '@flotilla/protocol';
import type { DatasetRegistry } from '../datasets/DatasetRegistry.ts';
import type { EventBus, EventType } from '../events/EventBus.ts';
import { CoordinatorMetrics } from '../metrics.ts';
import type { ModelService } from '../model/ModelService.ts';
import type { ModelUploads } from '../model/ModelUploads.ts';
import type { Checkpoint, EvaluationRecord, RoundRecord, Store, TaskRecord } from '../store/Store.ts';
import type { BaselineService } from '../engine/BaselineService.ts';
import { ClientRegistry, type ConnectedClient } from '../engine/ClientRegistry.ts';
import type { EngineDeps } from '../engine/deps.ts';
import { TaskRunner } from '../engine/TaskRunner.ts';

/** The part of the Store the runner uses, kept in arrays a test can read. */
export class FakeStore {
  readonly checkpoints: Checkpoint[] = [];
  readonly rounds: RoundRecord[] = [];
  readonly commits: RoundRecord[] = [];
  readonly states: { state: TaskState; reason: string | null }[] = [];
  readonly stats = new Map<string, { roundsJoined: number; dropouts: number }>();
  private readonly evaluations = new Map<number, EvaluationRecord>();

  constructor(initial: Checkpoint) {
    this.checkpoints.push(initial);
  }

  latestCheckpoint(): Checkpoint | null {
    return this.checkpoints.at(-1) ?? null;
  }

  listRounds(): RoundRecord[] {
    return [...this.rounds];
  }

  setTaskState(_id: string, state: TaskState, reason: string | null = null): void {
    this.states.push({ state, reason });
  }

  commitRound(round: RoundRecord, checkpoint: Checkpoint): void {
    this.rounds.push(round);
    this.commits.push(round);
    this.checkpoints.push(checkpoint);
  }

  recordAbandonedRound(round: RoundRecord): void {
    this.rounds.push(round);
  }

  getRound(_taskId: string, round: number): RoundRecord | null {
    return this.rounds.find((r) => r.round === round) ?? null;
  }

  setRoundTestMetrics(_taskId: string, round: number, metrics: Pick<RoundRecord, 'testAccuracy' | 'testLoss' | 'baselineAccuracy' | 'delta'>): void {
    const record = this.rounds.find((r) => r.round === round);
    if (record) Object.assign(record, metrics);
  }

  bumpClientStats(id: string, delta: { roundsJoined?: number; dropouts?: number }): void {
    const s = this.stats.get(id) ?? { roundsJoined: 0, dropouts: 0 };
    this.stats.set(id, { roundsJoined: s.roundsJoined + (delta.roundsJoined ?? 0), dropouts: s.dropouts + (delta.dropouts ?? 0) });
  }

  getEvaluation(_taskId: string, round: number): EvaluationRecord | null {
    return this.evaluations.get(round) ?? null;
  }

  putEvaluation(evaluation: EvaluationRecord): void {
    this.evaluations.set(evaluation.round, evaluation);
  }
}

/** Every event published, in order; nothing is persisted. */
export class FakeBus {
  readonly events: { type: EventType; data: Record<string, unknown> }[] = [];

  publish(type: EventType, _taskId: string | null, data: object): void {
    this.events.push({ type, data: data as Record<string, unknown> });
  }

  subscribe(): () => void {
    return () => {};
  }

  of(type: EventType): Record<string, unknown>[] {
    return this.events.filter((e) => e.type === type).map((e) => e.data);
  }
}

/** What a fake client does with a round plan. */
export type PlanAnswer = (plan: RoundPlan, client: FakeClient) => void;

/** A connected client without a socket: it keeps what it was sent and answers plans as told. */
export class FakeClient implements ConnectedClient {
  readonly kind = 'node' as const;
  readonly device: DeviceInfo = { backend: 'cpu' };
  readonly taskId = null;
  readonly partitionIndex = null;
  readonly connectedAt = Date.now();
  lastSeen = Date.now();
  open = true;
  readonly inbox: { type: string }[] = [];

  constructor(readonly id: string, readonly numExamples: number, public answer: PlanAnswer = () => {}) {}

  send(message: object): boolean {
    if (!this.open) return false;
    this.inbox.push(message as { type: string });
    // Answered after the send returns, as a socket's reply would arrive.
    if ((message as { type: string }).type === 'round.plan') setImmediate(() => this.answer(message as RoundPlan, this));
    return true;
  }

  close(): void {
    this.open = false;
  }

  plans(): RoundPlan[] {
    return this.inbox.filter((m): m is RoundPlan => m.type === 'round.plan');
  }
}

/** An update message and its tensors (one flat tensor of the model's length). */
export function fakeUpdate(plan: RoundPlan, numExamples: number, delta: Float32Array): { message: Update; tensors: NamedTensor[] } {
  return {
    message: { type: 'update', taskId: plan.taskId, round: plan.round, modelVersion: plan.modelVersion, numExamples, metrics: { loss: 0.5, accuracy: 0.5, trainMs: 1 } },
    tensors: [{ shape: [delta.length], values: delta }],
  };
}

export interface FakeEngine {
  deps: EngineDeps;
  store: FakeStore;
  bus: FakeBus;
  registry: ClientRegistry;
  task: TaskRecord;
  /** Central test accuracies handed out in order (the last repeats); a thrown Error fails the evaluation. */
  accuracies: (number | Error)[];
}

/**
 * Fake dependencies for a task of `config` whose model is one flat tensor of `modelLength` zeros.
 * @example
 * const engine = fakeEngine(config, 4);
 * const runner = await TaskRunner.load(engine.deps, engine.task, { shapes: [[4]], trainable: null });
 */
export function fakeEngine(config: TaskConfig, modelLength: number): FakeEngine {
  const task: TaskRecord = {
    id: 'task-1', name: config.name, config, state: 'created', createdAt: 0, updatedAt: 0, modelVersion: 0, lastRound: 0, stopReason: null,
  };
  const store = new FakeStore({ taskId: task.id, version: 0, round: 0, weights: new Float32Array(modelLength), strategyState: {}, createdAt: 0 });
  const bus = new FakeBus();
  const registry = new ClientRegistry();
  const accuracies: (number | Error)[] = [0.5];
  let evaluated = 0;
  const models = {
    evaluate: async () => {
      const next = accuracies[Math.min(evaluated++, accuracies.length - 1)]!;
      if (next instanceof Error) throw next;
      return { loss: 1 - next, accuracy: next };
    },
  };
  const quiet = { warn: () => {}, error: () => {}, info: () => {}, debug: () => {} };
  const deps: EngineDeps = {
    store: store as unknown as Store,
    registry,
    bus: bus as unknown as EventBus,
    models: models as unknown as ModelService,
    uploads: {} as ModelUploads,
    baselines: { ensure: () => {}, accuracyFor: () => null } as unknown as BaselineService,
    metrics: new CoordinatorMetrics(),
    log: quiet as unknown as FastifyBaseLogger,
    datasets: { source: () => ({}) } as unknown as DatasetRegistry,
    isActiveTask: () => true,
    weightsPath: (taskId, version) => `/api/tasks/${taskId}/models/${version}/weights.frame`,
  };
  return { deps, store, bus, registry, task, accuracies };
}

/**
 * Connects `clients`, loads the task's runner on its one flat tensor and starts it.
 * @example runner = await startFakeRunner(engine, [new FakeClient('a', 10)]);
 */
export async function startFakeRunner(engine: FakeEngine, clients: readonly FakeClient[]): Promise<TaskRunner> {
  for (const c of clients) engine.registry.add(c);
  const length = engine.store.latestCheckpoint()!.weights.length;
  const runner = await TaskRunner.load(engine.deps, engine.task, { shapes: [[length]], trainable: null });
  runner.run();
  return runner;
}

/** Resolves when the task leaves `running` (the loop ended it). */
export function taskSettled(engine: FakeEngine): Promise<void> {
  return new Promise<void>((resolve) => {
    const poll = () => (engine.store.states.some((s) => s.state !== 'running') ? resolve() : setImmediate(poll));
    poll();
  });
}
