// Tasks and their runners: creation (initial weights, checkpoint 0), the operator's controls
// (start, pause, resume, stop), resumption after a restart, and the global weights clients fetch.

import { randomUUID } from 'node:crypto';
import { AggregationError } from '@flotilla/core';
import { isPrivacyError } from '@flotilla/privacy';
import { ErrorCodes, FlotillaError, taskSchema, type TaskConfig } from '@flotilla/protocol';
import { deltaFrame, encodeModel } from './downlink.ts';
import type { TaskRecord } from '../store/Store.ts';
import type { EngineDeps } from './deps.ts';
import { assertTaskDataRegistered, resolveTaskData } from './taskData.ts';
import { TaskRunner } from './TaskRunner.ts';
import type { ModelLayout } from './modelLayout.ts';
import { initialTaskModel, taskModelLayout } from './taskModel.ts';
import { personalLayout } from './personalLayout.ts';
import { checkValidationData } from '../contribution/validationSplit.ts';

type Control = 'start' | 'pause' | 'resume' | 'stop';

export class TaskManager {
  private readonly runners = new Map<string, TaskRunner>();
  private readonly layouts = new Map<string, ModelLayout>();
  private readonly frames = new Map<string, Uint8Array>();
  /** Delta frames by task, version and base (a few: clients hold the last version or two). */
  private readonly deltas = new Map<string, Uint8Array>();
  private readonly loading = new Map<string, Promise<TaskRunner>>();

  constructor(private readonly deps: Omit<EngineDeps, 'isActiveTask'>) {}

  private get engineDeps(): EngineDeps {
    return { ...this.deps, isActiveTask: (id) => this.activeTaskId() === id };
  }

  /** Creates a task from a (partial) configuration; it waits in state 'created' until started. */
  async create(input: unknown): Promise<TaskRecord> {
    const config = await resolveTaskData(input, this.deps.datasets);
    await checkValidationData(config, this.deps.datasets);
    this.deps.hierarchy?.admitTask(config);
    const { weights, layout } = await initialTaskModel(this.deps, config);
    // A head that names no layer, or the whole model, is refused now, not in round 1.
    personalLayout(config, layout);
    // No await from here to createTask: a dataset deletion checks the stored tasks, so it either saw this one or failed it here.
    assertTaskDataRegistered(config, this.deps.datasets);
    const now = Date.now();
    const task: TaskRecord = {
      id: randomUUID(), name: config.name, config, state: 'created', createdAt: now, updatedAt: now,
      modelVersion: 0, lastRound: 0, stopReason: null,
    };
    this.deps.store.createTask(task, { taskId: task.id, version: 0, round: 0, weights, strategyState: {}, createdAt: now });
    this.layouts.set(task.id, layout);
    this.deps.bus.publish('task.created', task.id, { name: task.name, config });
    return task;
  }

  get(id: string): TaskRecord {
    const task = this.deps.store.getTask(id);
    if (!task) throw new FlotillaError(ErrorCodes.TASK_NOT_FOUND, `no task ${id}`);
    return task;
  }

  list(): TaskRecord[] {
    return this.deps.store.listTasks();
  }

  runner(id: string): TaskRunner | undefined {
    return this.runners.get(id);
  }

  /** The runners loaded in this process (tasks started, paused or resumed since it began). */
  liveRunners(): IterableIterator<TaskRunner> {
    return this.runners.values();
  }

  /** The task that clients without a preference join: the oldest running one. */
  activeTaskId(): string | null {
    for (const task of this.deps.store.listTasks()) if (task.state === 'running') return task.id;
    return null;
  }

  async control(id: string, action: Control): Promise<TaskRecord> {
    const task = this.get(id);
    const illegal = () => new FlotillaError(ErrorCodes.TASK_STATE, `cannot ${action} a task that is ${task.state}`);
    switch (action) {
      case 'start':
      case 'resume': {
        const allowed = action === 'start' ? ['created'] : ['paused'];
        if (!allowed.includes(task.state)) throw illegal();
        (await this.runnerFor(task)).run();
        break;
      }
      case 'pause':
        if (task.state !== 'running') throw illegal();
        (await this.runnerFor(task)).pause();
        break;
      case 'stop':
        if (!['created', 'running', 'paused'].includes(task.state)) throw illegal();
        await (await this.runnerFor(task)).stop();
        this.runners.delete(id);
        break;
      default: {
        const never: never = action;
        throw new Error(`unknown action ${String(never)}`);
      }
    }
    return this.get(id);
  }

  /** After a restart: every task that was running resumes from its last committed round. */
  async resumeRunning(): Promise<string[]> {
    const resumed: string[] = [];
    for (const task of this.deps.store.listTasks()) {
      if (task.state !== 'running') continue;
      try {
        (await this.runnerFor(task)).run();
        resumed.push(task.id);
      } catch (err) {
        if (!(err instanceof FlotillaError && (err.code === ErrorCodes.INVALID_TASK || err.code === ErrorCodes.CONTRIBUTION_INCOMPATIBLE))) throw err;
        // A task stored before a check it fails (e.g. client-level DP with Krum) fails visibly; the coordinator starts.
        this.deps.store.setTaskState(task.id, 'failed', err.message);
        this.deps.bus.publish('task.state', task.id, { state: 'failed', reason: err.message });
        this.deps.log.warn({ taskId: task.id, reason: err.message }, 'task cannot resume');
      }
    }
    return resumed;
  }

  /** The binary weights frame of a model version (cached: versions never change). */
  async weightsFrame(id: string, version: number): Promise<Uint8Array> {
    const key = `${id}@${version}`;
    const cached = this.frames.get(key);
    if (cached) return cached;
    const task = this.get(id);
    const checkpoint = this.deps.store.getCheckpoint(id, version);
    if (!checkpoint) throw new FlotillaError(ErrorCodes.NOT_FOUND, `task ${id} has no model version ${version}`);
    const frame = encodeModel(task.config, { type: 'weights', taskId: id, version }, checkpoint.weights, (await this.layoutOf(task.config, id)).shapes);
    this.frames.set(key, frame);
    // Clients fetch the current version; keep the two newest per task.
    for (const k of this.frames.keys()) {
      const [taskId, v] = k.split('@');
      if (taskId === id && Number(v) < version - 1) this.frames.delete(k);
    }
    return frame;
  }

  /**
   * The frame a client holding version `base` fetches for `version`: the delta between them where
   * the task asks for deltas and it is smaller, else the full frame. Cached per (version, base).
   */
  async weightsFrameFrom(id: string, version: number, base: number): Promise<Uint8Array> {
    const full = await this.weightsFrame(id, version);
    const key = `${id}@${version}@${base}`;
    const cached = this.deltas.get(key);
    if (cached) return cached;
    const task = this.get(id);
    const current = this.deps.store.getCheckpoint(id, version);
    const held = base < version ? this.deps.store.getCheckpoint(id, base) : null;
    if (!current || !held) return full;
    const frame = deltaFrame(task.config, id, version, current.weights, base, held.weights, (await this.layoutOf(task.config, id)).shapes, full.byteLength) ?? full;
    this.deltas.set(key, frame);
    if (this.deltas.size > 16) this.deltas.delete(this.deltas.keys().next().value!);
    return frame;
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.runners.values()].map((r) => r.detach()));
    this.runners.clear();
  }

  private async layoutOf(config: TaskConfig, id: string): Promise<ModelLayout> {
    let layout = this.layouts.get(id);
    if (!layout) {
      layout = await taskModelLayout(this.deps.models, config);
      this.layouts.set(id, layout);
    }
    return layout;
  }

  private async runnerFor(task: TaskRecord): Promise<TaskRunner> {
    const ready = this.runners.get(task.id);
    if (ready) return ready;
    // Two controls racing must not build two runners (two loops) for one task.
    let loading = this.loading.get(task.id);
    if (!loading) {
      loading = Promise.resolve()
        // A task stored before the root ran with --nats may ask what the hierarchy cannot do: it fails, coded.
        .then(() => this.deps.hierarchy?.admitTask(task.config, ErrorCodes.INVALID_TASK))
        .then(() => this.layoutOf(task.config, task.id))
        .then((layout) => TaskRunner.load(this.engineDeps, task, layout))
        .catch((err: unknown) => {
          // The strategy refuses the stored configuration (e.g. DP with a robust rule): a coded refusal.
          if (err instanceof AggregationError || isPrivacyError(err)) {
            throw new FlotillaError(ErrorCodes.INVALID_TASK, `task ${task.id} cannot run: ${(err as Error).message}`);
          }
          throw err;
        })
        .then((runner) => {
          this.runners.set(task.id, runner);
          return runner;
        })
        .finally(() => this.loading.delete(task.id));
      this.loading.set(task.id, loading);
    }
    return loading;
  }
}
