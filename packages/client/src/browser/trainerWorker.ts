// The worker side of the browser trainer: the backend ladder, the tab's local examples (read with
// the task's schema, checked against it and kept in IndexedDB) and the tfjs training and
// evaluation loops, behind a small API that a page reaches through comlink.

import { ErrorCodes, FlotillaError, MNIST_SCHEMA, schemaOutputSize, type DataSchema, type EvaluationMetrics, type FitPlan, type ModelSpec, type PersonalizationSpec } from '@flotilla/protocol';
import type { PersonalState } from '../personal/personalState.ts';
import type { PersonalMetrics } from '../personal/personalTraining.ts';
import { ByzantineTrainer, parseAttack } from '../attacks.ts';
import { checkLocalData, exampleWidth, type SplitRule } from '../localData.ts';
import { TfjsTrainer } from '../TfjsTrainer.ts';
import type { LocalData, Trainer, TrainOutcome } from '../types.ts';
import { benchmarkActiveBackend, chooseBackend, type BackendChoice, type LadderOptions } from './backendLadder.ts';
import { DrawnDigits } from './drawnDigits.ts';
import { concatLocalData, type PickedFile } from './localFiles.ts';
import { PickedExamples } from './pickedExamples.ts';
import { isDigitSchema, readFilesForSchema } from './schemaFiles.ts';
import { fetchSimulationPartition } from './simulationData.ts';

export interface WorkerTrainJob {
  id: number;
  model: ModelSpec;
  schema?: DataSchema;
  /** The global weights, flat; transferred into the worker. */
  weights: Float32Array;
  plan: FitPlan;
  /** The rows to train on (the client's train split); absent: all. */
  examples?: Uint32Array;
  /** See TrainJob.stopAt. */
  stopAt?: number;
  /** Under personalisation: the page's stored personal state for the task (the page keeps it in IndexedDB). */
  personal?: PersonalState | null;
}

export interface WorkerEvaluateJob {
  id: number;
  model: ModelSpec;
  schema: DataSchema;
  weights: Float32Array;
  /** The held-out rows. */
  examples: Uint32Array;
}

/** A personalised task's evaluation of the personal and local-only models (see evaluatePersonalised). */
export interface WorkerEvaluatePersonalJob extends WorkerEvaluateJob {
  personalization: PersonalizationSpec;
  personal: PersonalState | null;
  trainExamples: Uint32Array;
}

export interface WorkerProgress {
  id: number;
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  loss: number;
}

/** A glimpse of what was read, shown on the page only: a few images as RGBA, or the first lines of a file. */
export type DataPreview =
  | { kind: 'images'; width: number; height: number; thumbnails: Uint8ClampedArray[] }
  | { kind: 'lines'; file: string; lines: string[] };

/** What the page learns about the local data: counts and a preview, never sent anywhere. */
export interface LocalDataSummary {
  count: number;
  /** Examples per class (classification schemas); empty for a regression or text. */
  labelCounts: number[];
  /** Examples per source: a simulation partition, picked files, digits drawn on the page. */
  sources: { simulation: number; files: number; drawn: number };
  preview: DataPreview | null;
  /** A simulation partition's held-out rule, when its frame carried it (see ClientOptions.holdout). */
  holdout?: SplitRule | null;
}

/** The API a trainer worker exposes (with comlink in apps/web). */
export interface TrainerWorkerApi {
  /**
   * `slowdown` > 1 simulates a slower device (see below); 1 trains at full speed. `attack` (the
   * `NAME[:VALUE]` form of parseAttack) makes a simulated Byzantine device, poisoning here where
   * the labels live.
   */
  init(options: Pick<LadderOptions, 'force'> & { slowdown?: number; attack?: string | null }): Promise<BackendChoice>;
  /** The task's schema (from the welcome): files are read with it, and its earlier picks come back from IndexedDB. */
  useSchema(schema: DataSchema): Promise<LocalDataSummary>;
  loadSimulationPartition(baseUrl: string, taskId: string, index: number): Promise<LocalDataSummary>;
  /** Adds the examples of picked files read with the schema (CSV, image folders, text); a bad file rejects the whole pick. */
  loadFiles(files: PickedFile[]): Promise<LocalDataSummary>;
  clearFiles(): Promise<LocalDataSummary>;
  /** Reads the digits drawn earlier on this origin (IndexedDB); they count for MNIST's schema only. */
  loadDrawnDigits(): Promise<LocalDataSummary>;
  addDrawnDigit(pixels: Float32Array, label: number): Promise<LocalDataSummary>;
  clearDrawnDigits(): Promise<LocalDataSummary>;
  /** Throws FLT_DATA_SCHEMA_MISMATCH (code at the head of the message) when the examples do not fit the schema. */
  checkData(schema: DataSchema): Promise<void>;
  onProgress(listener: (p: WorkerProgress) => void): void;
  /** Files read so far while `loadFiles` runs. */
  onReadProgress(listener: (done: number, total: number) => void): void;
  train(job: WorkerTrainJob): Promise<TrainOutcome>;
  evaluate(job: WorkerEvaluateJob): Promise<EvaluationMetrics>;
  /** Nothing when this worker's trainer does not evaluate personal models. */
  evaluatePersonal(job: WorkerEvaluatePersonalJob): Promise<PersonalMetrics>;
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

const PREVIEW_IMAGES = 6;

/**
 * Builds the worker's API object; the worker entry exposes it.
 * @example expose(createTrainerWorkerApi({ wasmPaths, transfer }));
 */
export function createTrainerWorkerApi(options: TrainerWorkerOptions = {}): TrainerWorkerApi {
  const transfer = options.transfer ?? (<T>(value: T) => value);
  const interval = options.progressIntervalMs ?? 100;
  let choice: BackendChoice | null = null;
  let trainer: Trainer | null = null;
  let schema: DataSchema = MNIST_SCHEMA;
  const sources: Record<keyof LocalDataSummary['sources'], LocalData | null> = { simulation: null, files: null, drawn: null };
  let data: LocalData | null = null;
  let snippet: { file: string; lines: string[] } | null = null;
  let drawnStore: DrawnDigits | null = null;
  let pickedStore: PickedExamples | null = null;
  const drawn = async () => (drawnStore ??= await DrawnDigits.open());
  const picked = async () => (pickedStore ??= await PickedExamples.open());
  // Training sees the union of the sources (drawings only for digits); the page sees counts and a preview.
  const summarize = (): LocalDataSummary => {
    const usable = { ...sources, drawn: isDigitSchema(schema) ? sources.drawn : null };
    const parts = Object.values(usable).filter((p): p is LocalData => p !== null && p.count > 0);
    data = parts.length === 1 ? parts[0]! : concatLocalData(parts, exampleWidth(schema));
    const regression = schema.kind === 'tabular' && schema.target.type === 'regression';
    const labelCounts = regression || schema.kind === 'text' ? [] : new Array<number>(schemaOutputSize(schema)).fill(0);
    if (labelCounts.length > 0) for (let i = 0; i < data.count; i++) labelCounts[data.labels[i]!] = (labelCounts[data.labels[i]!] ?? 0) + 1;
    return {
      count: data.count, labelCounts,
      sources: { simulation: usable.simulation?.count ?? 0, files: usable.files?.count ?? 0, drawn: usable.drawn?.count ?? 0 },
      preview: usable.files ? preview(schema, usable.files, snippet) : null,
    };
  };
  let listener: ((p: WorkerProgress) => void) | null = null;
  let readListener: ((done: number, total: number) => void) | null = null;
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

    async useSchema(next) {
      if (JSON.stringify(next) !== JSON.stringify(schema)) {
        schema = next;
        sources.files = null;
        snippet = null;
      }
      // Picks of this schema from an earlier visit; a database this browser refuses only loses them.
      if (sources.files === null) sources.files = await picked().then((s) => s.load(schema)).catch(() => null);
      return summarize();
    },

    async loadSimulationPartition(baseUrl, taskId, index) {
      const partition = await fetchSimulationPartition(baseUrl, taskId, index);
      schema = partition.schema;
      sources.simulation = partition.data;
      return { ...summarize(), holdout: partition.holdout };
    },

    async loadFiles(files) {
      const read = await withCodeInMessage(() => readFilesForSchema(files, schema, (done, total) => readListener?.(done, total)));
      sources.files = sources.files ? concatLocalData([sources.files, read], exampleWidth(schema)) : read;
      snippet = isDigitSchema(schema) || schema.kind === 'image' ? null : await firstLines(files);
      await picked().then((s) => s.save(schema, sources.files!)).catch(() => undefined);
      return summarize();
    },

    async clearFiles() {
      sources.files = null;
      snippet = null;
      await picked().then((s) => s.clear(schema)).catch(() => undefined);
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

    async checkData(taskSchema) {
      await withCodeInMessage(async () => {
        if (data) checkLocalData(data, taskSchema);
      });
    },

    onProgress(next) {
      listener = next;
    },

    onReadProgress(next) {
      readListener = next;
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
          model: job.model, ...(job.schema ? { schema: job.schema } : {}), weights: job.weights, plan: job.plan, data,
          ...(job.examples ? { examples: job.examples } : {}), ...(job.stopAt === undefined ? {} : { stopAt: job.stopAt }),
          ...(job.personal !== undefined ? { personal: job.personal } : {}), signal: abort.signal,
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

    async evaluate(job) {
      if (!trainer?.evaluate) throw new Error('the trainer worker is not initialised: call init() first');
      if (!data || job.examples.length === 0) throw new FlotillaError(ErrorCodes.NO_HELD_OUT_DATA, 'no held-out examples in this worker');
      const abort = new AbortController();
      running.set(job.id, abort);
      try {
        return await withCodeInMessage(() => trainer!.evaluate!({ model: job.model, schema: job.schema, weights: job.weights, data: data!, examples: job.examples, signal: abort.signal }));
      } finally {
        running.delete(job.id);
      }
    },

    async evaluatePersonal(job) {
      if (!trainer) throw new Error('the trainer worker is not initialised: call init() first');
      if (!trainer.evaluatePersonal || !data || job.examples.length === 0) return {};
      const abort = new AbortController();
      running.set(job.id, abort);
      try {
        return await withCodeInMessage(() => trainer!.evaluatePersonal!({
          model: job.model, schema: job.schema, weights: job.weights, data: data!, examples: job.examples, signal: abort.signal,
          personalization: job.personalization, personal: job.personal, trainExamples: job.trainExamples,
        }));
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

// The first lines of the first picked file (a table's header and rows, a text's start), for the page's preview.
async function firstLines(files: PickedFile[]): Promise<{ file: string; lines: string[] } | null> {
  const first = files.find((f) => !(f.path.split('/').pop() ?? '').startsWith('.'));
  if (!first) return null;
  const head = await first.blob.slice(0, 2000).text();
  return { file: first.path, lines: head.split(/\r?\n/).filter((l) => l.trim() !== '').slice(0, 4).map((l) => l.slice(0, 160)) };
}

// A few picked examples of an image schema as RGBA thumbnails, or the picked file's first lines.
function preview(schema: DataSchema, data: LocalData, snippet: { file: string; lines: string[] } | null): DataPreview | null {
  if (schema.kind !== 'image') return snippet ? { kind: 'lines', ...snippet } : null;
  const { width, height, channels } = schema;
  const thumbnails: Uint8ClampedArray[] = [];
  for (let e = 0; e < Math.min(PREVIEW_IMAGES, data.count); e++) {
    const rgba = new Uint8ClampedArray(width * height * 4);
    for (let p = 0; p < width * height; p++) {
      const at = (e * width * height + p) * channels;
      for (let c = 0; c < 3; c++) rgba[p * 4 + c] = Math.round(255 * data.features[at + (channels === 3 ? c : 0)]!);
      rgba[p * 4 + 3] = 255;
    }
    thumbnails.push(rgba);
  }
  return thumbnails.length > 0 ? { kind: 'images', width, height, thumbnails } : null;
}

// comlink carries an error's name and message across the thread boundary, not its other fields:
// the code rides at the head of the message, where the page shows it.
async function withCodeInMessage<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof FlotillaError) throw new FlotillaError(err.code, `${err.code}: ${err.message}`, err.fatal);
    // packages/data's import errors (DATA_CSV_BAD_CELL …) carry their code the same way.
    const code = (err as { code?: unknown } | null)?.code;
    if (err instanceof Error && typeof code === 'string' && !err.message.startsWith(code)) throw new FlotillaError(ErrorCodes.DATA_SCHEMA_MISMATCH, `${code}: ${err.message}`);
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
