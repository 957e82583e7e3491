// What the join page knows and does: starts the training worker (backend ladder, local data),
// runs a FlotillaClient on the page thread whose trainer lives in the worker, and keeps a
// snapshot of the state for React (useSyncExternalStore).

import { proxy, transfer, wrap } from 'comlink';
import {
  FlotillaClient, WorkerTrainer, isBackendName, storageIdentity, workerLocalData,
  type BackendChoice, type ClientEvent, type ClientStatus, type TrainerWorkerApi, type TrainerWorkerRemote, type WebSocketLike,
} from '@flotilla/client';
import type { ModelSpec } from '@flotilla/protocol';

export type RoundPhase = 'waiting' | 'training' | 'uploading' | 'reported' | 'committed' | 'abandoned' | 'failed';

export interface RoundEntry {
  round: number;
  outcome: 'reported' | 'committed' | 'abandoned' | 'failed' | 'interrupted';
  loss: number | null;
  accuracy: number | null;
  trainMs: number | null;
  /** Local training speed in that round, examples × epochs per second. */
  examplesPerSec: number | null;
}

export interface JoinState {
  /** The page's own lifecycle around the client's connection status. */
  stage: 'starting' | 'ready' | 'paused' | 'left' | 'error';
  connection: ClientStatus | 'not-connected';
  clientId: string | null;
  taskId: string | null;
  taskName: string | null;
  model: ModelSpec | null;
  partition: number | null;
  examples: number | null;
  labelCounts: number[] | null;
  backend: BackendChoice | null;
  round: number | null;
  phase: RoundPhase;
  /** Under secure aggregation: the last SecAgg stage this page completed in the current round. */
  secagg: 'advertised' | 'shared' | 'masked' | 'revealed' | null;
  progress: { epoch: number; epochs: number; batch: number; batches: number; loss: number } | null;
  history: RoundEntry[];
  lastError: string | null;
  reconnects: number;
}

export interface JoinParams {
  url: string;
  taskId: string | null;
  partition: number | null;
  backend: string | null;
  /** The coordinator's client join token, when it requires one (`?joinToken=`; redacted in its logs). */
  joinToken: string | null;
  /** A simulated slower device: training takes this many times longer (`?slowdown=`). */
  slowdown: number;
}

const INITIAL: JoinState = {
  stage: 'starting', connection: 'not-connected', clientId: null, taskId: null, taskName: null, model: null, partition: null,
  examples: null, labelCounts: null, backend: null, round: null, phase: 'waiting', secagg: null, progress: null, history: [], lastError: null, reconnects: 0,
};

export function readJoinParams(location: Location): JoinParams {
  const q = new URLSearchParams(location.search);
  const partition = q.get('partition');
  return {
    url: q.get('coordinator') ?? location.origin,
    taskId: q.get('task'),
    partition: partition !== null && /^\d+$/.test(partition) ? Number(partition) : null,
    backend: q.get('backend'),
    joinToken: q.get('joinToken'),
    slowdown: Math.max(1, Number(q.get('slowdown')) || 1),
  };
}

export class JoinSession {
  private state: JoinState = INITIAL;
  private readonly listeners = new Set<() => void>();
  private worker: Worker | null = null;
  private remote: TrainerWorkerRemote | null = null;
  private client: FlotillaClient | null = null;

  constructor(private readonly params: JoinParams) {}

  getSnapshot = (): JoinState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private set(patch: Partial<JoinState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }

  /** Identity per task and partition: a reload rejoins as the same client, other tabs are other clients. */
  private identityKey(): string {
    return `flotilla.identity.${this.params.taskId ?? 'any'}.${this.params.partition ?? 'none'}`;
  }

  async start(): Promise<void> {
    const { params } = this;
    try {
      this.worker = new Worker(new URL('../worker/trainer.worker.ts', import.meta.url), { type: 'module', name: 'flotilla-trainer' });
      this.remote = wrap<TrainerWorkerApi>(this.worker) as unknown as TrainerWorkerRemote;
      const force = isBackendName(params.backend) ? params.backend : null;
      const choice = await this.remote.init({ force, slowdown: params.slowdown });
      this.set({ backend: choice });
      if (params.taskId === null || params.partition === null) {
        this.set({ stage: 'error', lastError: 'This page needs a task and a partition to train on (?task=…&partition=…), as a simulated fleet opens it.' });
        return;
      }
      const local = await this.remote.loadSimulationPartition(params.url, params.taskId, params.partition);
      this.set({ taskId: params.taskId, partition: params.partition, examples: local.count, labelCounts: local.labelCounts });
      const trainer = await WorkerTrainer.create({ remote: this.remote, choice, transfer, proxy, userAgent: navigator.userAgent });
      this.client = new FlotillaClient({
        url: params.url, kind: 'browser', trainer, data: workerLocalData(local.count), taskId: params.taskId, partitionIndex: params.partition,
        identity: storageIdentity(localStorage, this.identityKey()),
        ...(params.joinToken ? { joinToken: params.joinToken } : {}),
        webSocket: (u) => new WebSocket(u) as unknown as WebSocketLike,
        onEvent: (e) => this.onClientEvent(e),
      });
      this.set({ stage: 'ready' });
      this.client.start();
    } catch (err) {
      this.set({ stage: 'error', lastError: err instanceof Error ? err.message : String(err) });
    }
  }

  private onClientEvent(e: ClientEvent): void {
    switch (e.type) {
      case 'status':
        this.set({ connection: e.status });
        return;
      case 'welcome':
        this.set({ clientId: e.clientId, ...(e.taskName === undefined ? {} : { taskName: e.taskName }), ...(e.model === undefined ? {} : { model: e.model }) });
        return;
      case 'plan':
        this.set({ round: e.round, phase: 'training', secagg: null, progress: null });
        return;
      case 'secagg':
        if (e.round === this.state.round) this.set({ secagg: e.stage });
        return;
      case 'progress':
        if (e.round === this.state.round) this.set({ progress: { epoch: e.epoch, epochs: e.epochs, batch: e.batch, batches: e.batches, loss: e.loss } });
        return;
      case 'uploaded':
        this.upsertHistory({
          round: e.round, outcome: 'reported', loss: e.loss, accuracy: e.accuracy, trainMs: e.trainMs,
          examplesPerSec: this.state.examples && e.trainMs > 0 ? Math.round((this.state.examples * (this.state.progress?.epochs ?? 1)) / (e.trainMs / 1000)) : null,
        });
        this.set({ phase: 'uploading' });
        return;
      case 'accepted':
        if (e.round === this.state.round) this.set({ phase: 'reported' });
        return;
      case 'round-end': {
        const mine = this.state.history.find((h) => h.round === e.round);
        if (mine) this.upsertHistory({ ...mine, outcome: e.outcome });
        else if (e.round === this.state.round) this.upsertHistory({ round: e.round, outcome: 'interrupted', loss: null, accuracy: null, trainMs: null, examplesPerSec: null });
        if (e.round === this.state.round) this.set({ phase: e.outcome });
        return;
      }
      case 'error':
        this.set({ lastError: `${e.code}: ${e.message}`, ...(e.code === 'FLT_TRAINING_FAILED' ? { phase: 'failed' as const } : {}) });
        return;
      case 'disconnected':
        this.set({ reconnects: this.state.reconnects + 1, ...(this.state.phase === 'training' ? { phase: 'waiting' as const, progress: null } : {}) });
        return;
      default: {
        const never: never = e;
        throw new Error(`unhandled client event ${JSON.stringify(never)}`);
      }
    }
  }

  private upsertHistory(entry: RoundEntry): void {
    const history = this.state.history.filter((h) => h.round !== entry.round);
    history.push(entry);
    history.sort((a, b) => b.round - a.round);
    this.set({ history: history.slice(0, 50) });
  }

  /** Stops taking part (a round in progress becomes a dropout) but keeps the identity. */
  pause(): void {
    if (!this.client || this.state.stage !== 'ready') return;
    this.client.stop();
    this.set({ stage: 'paused', phase: 'waiting', progress: null });
  }

  resume(): void {
    if (!this.client || this.state.stage !== 'paused') return;
    this.set({ stage: 'ready' });
    this.client.start();
  }

  /** Leaves for good: closes the connection, ends the worker and forgets this tab's identity. */
  leave(): void {
    this.client?.stop();
    this.worker?.terminate();
    localStorage.removeItem(this.identityKey());
    this.set({ stage: 'left', connection: 'stopped', phase: 'waiting', progress: null });
  }

  /** Training speed of the worker's backend on a model (used by bench/browser.ts). */
  async benchmark(model: ModelSpec, examples = 200, batchSize = 10): Promise<{ backend: string | null; examplesPerSec: number }> {
    if (!this.remote) throw new Error('the worker is not started');
    return { backend: this.state.backend?.backend ?? null, examplesPerSec: await this.remote.benchmark(model, examples, batchSize) };
  }
}
