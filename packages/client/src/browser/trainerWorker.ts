// The worker side of the browser trainer: the backend ladder, the tab's local examples and the
// tfjs training loop, behind a small API that a page reaches through comlink.

import { ErrorCodes, FlotillaError, type FitPlan, type ModelSpec } from '@flotilla/protocol';
import { ByzantineTrainer, parseAttack } from '../attacks.ts';
import { TfjsTrainer } from '../TfjsTrainer.ts';
import type { LocalData, Trainer, TrainOutcome } from '../types.ts';
import { benchmarkActiveBackend, chooseBackend, type BackendChoice, type LadderOptions } from './backendLadder.ts';
import { DrawnDigits } from './drawnDigits.ts';
import { concatLocalData, readPickedFiles, type PickedFile } from './localFiles.ts';
import { fetchSimulationPartition } from './simulationData.ts';

export interface WorkerTrainJob {
  id: number;
  model: ModelSpec;
  /** The global weights, flat; transferred into the worker. */
  weights: Float32Array;
  plan: FitPlan;
}

export interface WorkerProgress {
  id: number;
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  loss: number;
}

/** What the page learns about the local data: never the examples themselves. */
export interface LocalDataSummary {
  count: number;
  labelCounts: number[];
  /** Examples per source: a simulation partition, picked files, digits drawn on the page. */
  sources: { simulation: number; files: number; drawn: number };
}

/** The API a trainer worker exposes (with comlink in apps/web). */
export interface TrainerWorkerApi {
  /**
   * `slowdown` > 1 simulates a slower device (see below); 1 trains at full speed. `attack` (the
   * `NAME[:VALUE]` form of parseAttack) makes a simulated Byzantine device, poisoning here where
   * the labels live.
   */
  init(options: Pick<LadderOptions, 'force'> & { slowdown?: number; attack?: string | null }): Promise<BackendChoice>;
  loadSimulationPartition(baseUrl: string, taskId: string, index: number): Promise<LocalDataSummary>;
  /** Adds the examples of picked files (CSV, labelled image folders); a bad file rejects the whole pick. */
  loadFiles(files: PickedFile[]): Promise<LocalDataSummary>;
  clearFiles(): Promise<LocalDataSummary>;
  /** Reads the digits drawn earlier on this origin (IndexedDB). */
  loadDrawnDigits(): Promise<LocalDataSummary>;
  addDrawnDigit(pixels: Float32Array, label: number): Promise<LocalDataSummary>;
  clearDrawnDigits(): Promise<LocalDataSummary>;
  onProgress(listener: (p: WorkerProgress) => void): void;
  train(job: WorkerTrainJob): Promise<TrainOutcome>;
  abort(id: number): void;
  /** Examples per second of the active backend on a model (the benchmark page). */
  benchmark(model: ModelSpec, examples: number, batchSize: number): Promise<number>;
}

export interface TrainerWorkerOptions {
  wasmPaths?: LadderOptions['wasmPaths'];
  /** Marks buffers of a result as transferable (comlink's `transfer`); identity by default. */
  transfer?: <T>(value: T, transferables: Transferable[]) => T;
  /** Least time between two progress messages to the page; the last batch is always sent. */
  progressIntervalMs?: number;
}

/**
 * Builds the worker's API object; the worker entry exposes it.
 * @example expose(createTrainerWorkerApi({ wasmPaths, transfer }));
 */
export function createTrainerWorkerApi(options: TrainerWorkerOptions = {}): TrainerWorkerApi {
  const transfer = options.transfer ?? (<T>(value: T) => value);
  const interval = options.progressIntervalMs ?? 100;
  let choice: BackendChoice | null = null;
  let trainer: Trainer | null = null;
  const sources: Record<keyof LocalDataSummary['sources'], LocalData | null> = { simulation: null, files: null, drawn: null };
  let data: LocalData | null = null;
  let drawnStore: DrawnDigits | null = null;
  const drawn = async () => (drawnStore ??= await DrawnDigits.open());
  // Training sees the union of the sources; the page sees counts only.
  const summarize = (): LocalDataSummary => {
    const parts = Object.values(sources).filter((p): p is LocalData => p !== null && p.count > 0);
    data = parts.length === 1 ? parts[0]! : concatLocalData(parts);
    const labelCounts = new Array<number>(10).fill(0);
    for (let i = 0; i < data.count; i++) labelCounts[data.labels[i]!]! += 1;
    return {
      count: data.count, labelCounts,
      sources: { simulation: sources.simulation?.count ?? 0, files: sources.files?.count ?? 0, drawn: sources.drawn?.count ?? 0 },
    };
  };
  let listener: ((p: WorkerProgress) => void) | null = null;
  let slowdown = 1;
  const running = new Map<number, AbortController>();

  return {
    async init(ladder) {
      slowdown = Math.max(1, ladder.slowdown ?? 1);
      choice ??= await chooseBackend({ force: ladder.force ?? null, ...(options.wasmPaths === undefined ? {} : { wasmPaths: options.wasmPaths }) });
      if (!trainer) {
        const honest = new TfjsTrainer({ backend: choice.backend, examplesPerSec: choice.examplesPerSec });
        trainer = ladder.attack ? new ByzantineTrainer(honest, parseAttack(ladder.attack)) : honest;
      }
      return choice;
    },

    async loadSimulationPartition(baseUrl, taskId, index) {
      sources.simulation = await fetchSimulationPartition(baseUrl, taskId, index);
      return summarize();
    },

    async loadFiles(files) {
      const picked = await withCodeInMessage(() => readPickedFiles(files));
      sources.files = sources.files ? concatLocalData([sources.files, picked]) : picked;
      return summarize();
    },

    async clearFiles() {
      sources.files = null;
      return summarize();
    },

    async loadDrawnDigits() {
      sources.drawn = await (await drawn()).all();
      return summarize();
    },

    async addDrawnDigit(pixels, label) {
      const store = await drawn();
      await withCodeInMessage(() => store.add(pixels, label));
      sources.drawn = await store.all();
      return summarize();
    },

    async clearDrawnDigits() {
      await (await drawn()).clear();
      sources.drawn = null;
      return summarize();
    },

    onProgress(next) {
      listener = next;
    },

    async train(job) {
      if (!trainer) throw new Error('the trainer worker is not initialised: call init() first');
      if (!data || data.count === 0) throw new FlotillaError(ErrorCodes.NO_LOCAL_DATA, 'no local examples: load a partition, pick files or draw digits first');
      const abort = new AbortController();
      running.set(job.id, abort);
      let last = 0;
      let batchStarted = performance.now();
      try {
        const outcome = await trainer.train({
          model: job.model, weights: job.weights, plan: job.plan, data, signal: abort.signal,
          onProgress: (p) => {
            if (slowdown > 1) {
              idle((slowdown - 1) * (performance.now() - batchStarted));
              batchStarted = performance.now();
            }
            const now = performance.now();
            const final = p.epoch === p.epochs && p.batch === p.batches;
            if (!final && now - last < interval) return;
            last = now;
            listener?.({ id: job.id, ...p });
          },
        });
        return transfer(outcome, [outcome.update.buffer as ArrayBuffer]);
      } finally {
        running.delete(job.id);
      }
    },

    abort(id) {
      running.get(id)?.abort();
    },

    benchmark(model, examples, batchSize) {
      return benchmarkActiveBackend(model, examples, batchSize);
    },
  };
}

// comlink carries an error's name and message across the thread boundary, not its other fields:
// the code rides at the head of the message, where the page shows it.
async function withCodeInMessage<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof FlotillaError) throw new FlotillaError(err.code, `${err.code}: ${err.message}`, err.fatal);
    throw err;
  }
}

// A simulated slow device: after each batch the worker thread sleeps (slowdown − 1) × the batch's
// time, without using a core. DevTools CPU throttling (Emulation.setCPUThrottlingRate) slows the
// page's thread but not its dedicated worker, where the training runs, and the worker's own
// DevTools target refuses it ("Operation is only supported for pages, not workers"; measured in
// bench/browserEmulation.ts, where ?slowdown=4 made a round's training 4.2× slower).
const sleeper = typeof SharedArrayBuffer === 'function' ? new Int32Array(new SharedArrayBuffer(4)) : null;
function idle(ms: number): void {
  if (sleeper && ms > 0) Atomics.wait(sleeper, 0, 0, ms);
}
