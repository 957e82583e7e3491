// What the join page knows and does: starts the training worker (backend ladder, local data),
// runs a FlotillaClient on the page thread whose trainer lives in the worker, and keeps a
// snapshot of the state for React (useSyncExternalStore). Local data is a simulated fleet's
// partition, or the person's own: files read with the task's schema (which the welcome brings)
// and drawn digits, which stay in the worker.

import { proxy, transfer, wrap } from 'comlink';
import {
  FlotillaClient, WorkerTrainer, indexedDbPersonalStore, indexedDbResidualStore, isBackendName, navigatorSeed, storageIdentity, workerLocalData,
  type BackendChoice, type ClientEvent, type ClientStatus, type DataPreview, type LocalData, type LocalDataSummary, type PickedFile, type TrainerWorkerApi,
  type PersonalStore, type SplitRule, type TrainerWorkerRemote, type WebSocketLike,
} from '@flotilla/client';
import { ErrorCodes, MNIST_SCHEMA, type DataSchema, type EvaluationMetrics, type ModelSpec } from '@flotilla/protocol';

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
  /** Where the examples come from: the simulation partition, or the person's files and drawings. */
  sources: LocalDataSummary['sources'] | null;
  /** Whether this page trains on a simulation partition or on the person's own data. */
  dataMode: 'simulation' | 'own';
  /** A coded error about the picked files or a drawing, shown beside the data. */
  dataError: string | null;
  /** The task's data schema (from the welcome, or the simulation partition); MNIST's until one is known. */
  schema: DataSchema;
  /** Files read so far while a pick is being read. */
  reading: { done: number; total: number } | null;
  /** A glimpse of the picked examples (thumbnails or a file's first lines); never sent. */
  preview: DataPreview | null;
  /** The task's split of the examples: trained on, and held out for federated evaluation. */
  split: { train: number; heldOut: number } | null;
  /** Federated evaluations this page answered, newest first. */
  evaluations: {
    round: number; outcome: 'reported' | 'failed'; numExamples: number | null; metrics: EvaluationMetrics | null; code: string | null;
    /** A personalised task: this device's personal and local-only models on the same examples. */
    personal?: EvaluationMetrics; localOnly?: EvaluationMetrics;
  }[];
  backend: BackendChoice | null;
  round: number | null;
  phase: RoundPhase;
  /** Under secure aggregation: the last SecAgg stage this page completed in the current round. */
  secagg: 'advertised' | 'shared' | 'masked' | 'revealed' | null;
  progress: { epoch: number; epochs: number; batch: number; batches: number; loss: number } | null;
  history: RoundEntry[];
  /** This client's contribution standing after the last valued round (tasks with contribution assessment). */
  standing: { round: number; value: number; cumulative: number; rank: number; of: number; share: number; reward: number } | null;
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
  /** A simulated Byzantine device of a fleet: the attack it mounts (`?attack=signflip`, `scale:5`, …). */
  attack: string | null;
  /** A fleet's duplicate client: it trains on this partition's examples instead of its own (`?dataPartition=0`). */
  dataPartition: number | null;
}

const INITIAL: JoinState = {
  stage: 'starting', connection: 'not-connected', clientId: null, taskId: null, taskName: null, model: null, partition: null,
  examples: null, labelCounts: null, sources: null, dataMode: 'own', dataError: null, schema: MNIST_SCHEMA, reading: null, preview: null, split: null, evaluations: [], backend: null, round: null, phase: 'waiting', secagg: null, progress: null, history: [], standing: null, lastError: null, reconnects: 0,
};

export function readJoinParams(location: Location): JoinParams {
  const q = new URLSearchParams(location.search);
  const partition = q.get('partition');
  const dataPartition = q.get('dataPartition');
  return {
    url: q.get('coordinator') ?? location.origin,
    taskId: q.get('task'),
    partition: partition !== null && /^\d+$/.test(partition) ? Number(partition) : null,
    backend: q.get('backend'),
    joinToken: q.get('joinToken'),
    slowdown: Math.max(1, Number(q.get('slowdown')) || 1),
    attack: q.get('attack'),
    dataPartition: dataPartition !== null && /^\d+$/.test(dataPartition) ? Number(dataPartition) : null,
  };
}

export class JoinSession {
  private state: JoinState = INITIAL;
  private readonly listeners = new Set<() => void>();
  private worker: Worker | null = null;
  private remote: TrainerWorkerRemote | null = null;
  private client: FlotillaClient | null = null;
  /** This page's personal models in IndexedDB (null where IndexedDB is unavailable: they then live in memory). */
  private personal: PersonalStore | null = null;
  private trainer: WorkerTrainer | null = null;
  /** What the hello announces; its count follows the worker's examples (never the examples). */
  private readonly localData: LocalData = workerLocalData(0);
  /** A simulation partition's held-out rule, read with the partition (the first hello announces the train split). */
  private holdout: SplitRule | null = null;
  /** The examples changed while a round was training: announce the new count once it is over. */
  private rejoinPending = false;

  constructor(private readonly params: JoinParams) {
    // The browser knows first when the device loses its network: drop the socket at once (the
    // coordinator notices by its pings) and come back as soon as the network does.
    globalThis.addEventListener?.('offline', () => this.client?.dropConnection());
    globalThis.addEventListener?.('online', () => this.client?.reconnectNow());
  }

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
      const choice = await this.remote.init({ force, slowdown: params.slowdown, attack: params.attack });
      this.set({ backend: choice });
      this.trainer = await WorkerTrainer.create({ remote: this.remote, choice, transfer, proxy, userAgent: navigator.userAgent });
      this.personal = await indexedDbPersonalStore(this.identityKey()).catch(() => null);
      if (params.partition !== null) {
        if (params.taskId === null) {
          this.set({ stage: 'error', lastError: 'A simulated partition needs its task (?task=…&partition=…), as a simulated fleet opens the page.' });
          return;
        }
        this.set({ dataMode: 'simulation', taskId: params.taskId, partition: params.partition });
        const summary = await this.remote.loadSimulationPartition(params.url, params.taskId, params.dataPartition ?? params.partition);
        this.holdout = summary.holdout ?? null;
        this.applySummary(summary);
      } else {
        this.set({ taskId: params.taskId });
        await this.remote.onReadProgress(proxy((done: number, total: number) => this.set({ reading: done < total ? { done, total } : null })));
        this.applySummary(await this.remote.loadDrawnDigits());
        this.applySummary(await this.remote.useSchema(MNIST_SCHEMA));
      }
      this.set({ stage: 'ready' });
      this.joinOrRejoin();
    } catch (err) {
      this.set({ stage: 'error', lastError: err instanceof Error ? err.message : String(err) });
    }
  }

  private applySummary(summary: LocalDataSummary): void {
    this.localData.count = summary.count;
    this.set({ examples: summary.count, labelCounts: summary.labelCounts, sources: summary.sources, preview: summary.preview });
  }

  /**
   * The welcome names the task's schema: the worker reads files with it from now on and brings
   * back this person's earlier picks for it; a changed count is announced by a fresh hello.
   */
  private async adoptSchema(schema: DataSchema): Promise<void> {
    if (!this.remote || this.state.dataMode !== 'own' || JSON.stringify(schema) === JSON.stringify(this.state.schema)) return;
    const before = this.localData.count;
    this.set({ schema, dataError: null });
    this.applySummary(await this.remote.useSchema(schema));
    if (this.localData.count !== before) this.joinOrRejoin();
  }

  /**
   * Connects at once, announcing the examples held (none yet is fine: the coordinator does not
   * select a client without examples, and the welcome tells the page which files fit the task);
   * afterwards a changed count is announced by a fresh hello (the coordinator checks each update
   * against the announced count), after the round in progress.
   */
  private joinOrRejoin(): void {
    if (this.state.stage !== 'ready' || !this.trainer) return;
    if (!this.client) {
      const remote = this.remote!;
      const uplinkSeed = navigatorSeed(globalThis.navigator);
      this.client = new FlotillaClient({
        url: this.params.url, kind: 'browser', trainer: this.trainer, data: this.localData,
        checkData: (schema) => remote.checkData(schema),
        ...(this.holdout ? { holdout: this.holdout } : {}),
        ...(this.params.taskId ? { taskId: this.params.taskId } : {}),
        ...(this.params.partition === null ? {} : { partitionIndex: this.params.partition }),
        identity: storageIdentity(localStorage, this.identityKey()),
        // A top-k uplink's error-feedback residual survives a reload, like the identity it belongs to.
        ...(typeof indexedDB === 'undefined' ? {} : { residuals: indexedDbResidualStore(indexedDB, `flotilla.residual.${this.identityKey()}`) }),
        ...(this.personal ? { personal: this.personal } : {}),
        ...(this.params.joinToken ? { joinToken: this.params.joinToken } : {}),
        // The browser's bandwidth estimate, until the client has measured its own uploads.
        ...(uplinkSeed === undefined ? {} : { uplinkKbps: uplinkSeed }),
        webSocket: (u) => new WebSocket(u) as unknown as WebSocketLike,
        onEvent: (e) => this.onClientEvent(e),
      });
      this.client.start();
      return;
    }
    if (this.client.status === 'training' || this.client.status === 'uploading') {
      this.rejoinPending = true;
      return;
    }
    this.rejoinPending = false;
    this.client.stop();
    this.client.start();
  }

  /** Runs a change of the person's data in the worker; a coded error is shown, the data kept as it was. */
  private async changeData(change: (remote: TrainerWorkerRemote) => Promise<LocalDataSummary>): Promise<boolean> {
    if (!this.remote || this.state.dataMode !== 'own') return false;
    try {
      this.applySummary(await change(this.remote));
      this.set({ dataError: null });
      this.joinOrRejoin();
      return true;
    } catch (err) {
      // The worker's coded errors arrive with the code at the head of the message.
      this.set({ dataError: err instanceof Error ? err.message : String(err) });
      return false;
    }
  }

  /** Adds picked files (CSV tables, folders of class folders, text files: what the task's schema takes) to the examples; `forgetFiles` drops them all. */
  pickFiles(files: FileList | File[]): Promise<boolean> {
    const picked: PickedFile[] = [...files].map((f) => ({ path: f.webkitRelativePath || f.name, blob: f }));
    return this.changeData((r) => r.loadFiles(picked));
  }

  forgetFiles(): Promise<boolean> {
    return this.changeData((r) => r.clearFiles());
  }

  /** Keeps a drawn digit (28×28 pixels in [0, 1]) with its label in this browser's IndexedDB. */
  addDrawing(pixels: Float32Array, label: number): Promise<boolean> {
    return this.changeData((r) => r.addDrawnDigit(transfer(pixels, [pixels.buffer]), label));
  }

  clearDrawings(): Promise<boolean> {
    return this.changeData((r) => r.clearDrawnDigits());
  }

  private onClientEvent(e: ClientEvent): void {
    switch (e.type) {
      case 'status':
        this.set({ connection: e.status });
        if (e.status === 'idle' && this.rejoinPending) queueMicrotask(() => this.joinOrRejoin());
        return;
      case 'welcome':
        this.set({ clientId: e.clientId, ...(e.taskId === null ? {} : { taskId: e.taskId }), ...(e.taskName === undefined ? {} : { taskName: e.taskName }), ...(e.model === undefined ? {} : { model: e.model }) });
        if (e.schema) void this.adoptSchema(e.schema).catch((err: unknown) => this.set({ dataError: err instanceof Error ? err.message : String(err) }));
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
        this.set({
          lastError: `${e.code}: ${e.message}`, ...(e.code === 'FLT_TRAINING_FAILED' ? { phase: 'failed' as const } : {}),
          // Data that does not fit the task is the person's to fix: shown beside it, and the next pick says hello again.
          ...(e.code === ErrorCodes.DATA_SCHEMA_MISMATCH ? { dataError: `${e.code}: ${e.message}` } : {}),
        });
        return;
      case 'data':
        this.set({ split: { train: e.train, heldOut: e.heldOut } });
        return;
      case 'standing': {
        const { type: _type, ...standing } = e;
        this.set({ standing });
        return;
      }
      case 'evaluation':
        this.set({
          evaluations: [{
            round: e.round, outcome: e.outcome, numExamples: e.outcome === 'reported' ? e.numExamples : null,
            metrics: e.outcome === 'reported' ? e.metrics : null, code: e.outcome === 'failed' ? e.code : null,
            ...(e.outcome === 'reported' && e.personal ? { personal: e.personal } : {}),
            ...(e.outcome === 'reported' && e.localOnly ? { localOnly: e.localOnly } : {}),
          }, ...this.state.evaluations].slice(0, 20),
        });
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
    if (this.state.stage !== 'paused') return;
    this.set({ stage: 'ready' });
    if (this.client) this.client.start();
    else this.joinOrRejoin();
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
