// The browser trainer without a browser: the worker API runs in-process (as comlink would call
// it), on the CPU backend, with the partition served by a stubbed fetch.

import { afterEach, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { createModel, getFlatWeights } from '@flotilla/models';
import { encodeFrame, type TabularSchema } from '@flotilla/protocol';
import { createTrainerWorkerApi } from './trainerWorker.ts';
import { WorkerTrainer, workerLocalData, type TrainerWorkerRemote } from './WorkerTrainer.ts';

function partitionResponse(count: number): Response {
  const images = Float32Array.from({ length: count * 784 }, (_, i) => (i % 97) / 97);
  const labels = Float32Array.from({ length: count }, (_, i) => i % 10);
  const frame = encodeFrame({ type: 'simulation.partition', taskId: 't', partitionIndex: 0, numPartitions: 1, count }, [
    { name: 'images', shape: [count, 784], values: images },
    { name: 'labels', shape: [count], values: labels },
  ]);
  return new Response(frame.buffer as ArrayBuffer, { status: 200 });
}

const plan = { epochs: 1, batchSize: 10, learningRate: 0.1, proximalMu: 0, seed: 1 };

describe('WorkerTrainer over the trainer worker API', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('chooses the forced backend, loads its partition, trains and returns the update with progress', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => partitionResponse(40)));
    const api = createTrainerWorkerApi();
    const choice = await api.init({ force: 'cpu' });
    const local = await api.loadSimulationPartition('http://coordinator', 't', 0);
    const trainer = await WorkerTrainer.create({ remote: api as unknown as TrainerWorkerRemote, choice });
    const global = getFlatWeights(await createModel({ kind: 'mnist-2nn' }, 0));
    const progress: number[] = [];

    const outcome = await trainer.train({
      model: { kind: 'mnist-2nn' }, weights: global, plan, data: workerLocalData(local.count), signal: new AbortController().signal,
      onProgress: (p) => progress.push(p.batch),
    });

    expect(choice).toMatchObject({ backend: 'cpu', forced: true });
    expect(tf.getBackend()).toBe('cpu');
    expect(local).toEqual({ count: 40, labelCounts: [4, 4, 4, 4, 4, 4, 4, 4, 4, 4], sources: { simulation: 40, files: 0, drawn: 0 }, preview: null, holdout: null });
    expect(outcome.numExamples).toBe(40);
    expect(outcome.update).toHaveLength(global.length);
    expect(outcome.update.some((v) => v !== 0)).toBe(true);
    // The caller's global weights are not moved away (a copy crosses to the worker).
    expect(global.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toBe(4);
    expect(trainer.device()).toMatchObject({ backend: 'cpu' });
    expect(trainer.device().examplesPerSec).toBeGreaterThan(0);
  });

  it("trains with the plan's DP-SGD: every step moves the weights by at most learning rate × C", async () => {
    vi.stubGlobal('fetch', vi.fn(async () => partitionResponse(20)));
    const api = createTrainerWorkerApi();
    const choice = await api.init({ force: 'cpu' });
    const local = await api.loadSimulationPartition('http://coordinator', 't', 0);
    const trainer = await WorkerTrainer.create({ remote: api as unknown as TrainerWorkerRemote, choice });
    const global = getFlatWeights(await createModel({ kind: 'mnist-2nn' }, 0));
    const norm = (v: Float32Array) => Math.sqrt(v.reduce((a, x) => a + x * x, 0));
    const job = (dpSgd?: { l2NormClip: number; noiseMultiplier: number; microbatchSize: number }) => trainer.train({
      model: { kind: 'mnist-2nn' }, weights: global.slice(), plan: { ...plan, learningRate: 1, ...(dpSgd ? { dpSgd } : {}) },
      data: workerLocalData(local.count), signal: new AbortController().signal, onProgress: () => {},
    });

    const plain = await job();
    const private_ = await job({ l2NormClip: 1e-3, noiseMultiplier: 0, microbatchSize: 1 });

    // 2 steps of B = 10, each the mean of per-example gradients clipped to C = 1e-3.
    expect(norm(private_.update)).toBeLessThanOrEqual(2 * 1e-3 * (1 + 1e-4));
    expect(norm(private_.update)).toBeGreaterThan(0);
    expect(norm(plain.update)).toBeGreaterThan(100 * norm(private_.update));
  });

  it("a worker initialised with an attack (the join page's ?attack=) sends signflip's reversed update", async () => {
    // Arrange: an honest worker and a sign-flipping one, same data, same plan seed
    vi.stubGlobal('fetch', vi.fn(async () => partitionResponse(20)));
    const global = getFlatWeights(await createModel({ kind: 'mnist-2nn' }, 0));
    const run = async (attack: string | null) => {
      const api = createTrainerWorkerApi();
      const choice = await api.init({ force: 'cpu', attack });
      const local = await api.loadSimulationPartition('http://coordinator', 't', 0);
      const trainer = await WorkerTrainer.create({ remote: api as unknown as TrainerWorkerRemote, choice });
      return trainer.train({ model: { kind: 'mnist-2nn' }, weights: global.slice(), plan, data: workerLocalData(local.count), signal: new AbortController().signal, onProgress: () => {} });
    };
    // Act
    const honest = await run(null);
    const flipped = await run('signflip');
    // Assert
    expect(flipped.numExamples).toBe(honest.numExamples);
    expect(Array.from(flipped.update)).toEqual(Array.from(honest.update, (x) => -x));
  });

  it('stops training in the worker when the job is aborted', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => partitionResponse(400)));
    const api = createTrainerWorkerApi({ progressIntervalMs: 0 });
    const choice = await api.init({ force: 'cpu' });
    await api.loadSimulationPartition('http://coordinator', 't', 0);
    const trainer = await WorkerTrainer.create({ remote: api as unknown as TrainerWorkerRemote, choice });
    const abort = new AbortController();
    const global = getFlatWeights(await createModel({ kind: 'mnist-2nn' }, 0));

    const training = trainer.train({
      model: { kind: 'mnist-2nn' }, weights: global, plan, data: workerLocalData(400), signal: abort.signal,
      onProgress: (p) => { if (p.batch === 2) abort.abort(); },
    });

    await expect(training).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('refuses to train before init or without data', async () => {
    const api = createTrainerWorkerApi();
    await expect(api.train({ id: 1, model: { kind: 'mnist-2nn' }, weights: new Float32Array(1), plan })).rejects.toThrow(/not initialised/);
    await api.init({ force: 'cpu' });
    await expect(api.train({ id: 2, model: { kind: 'mnist-2nn' }, weights: new Float32Array(1), plan })).rejects.toMatchObject({ code: 'FLT_NO_LOCAL_DATA' });
  }, 60_000);

  it('adds picked CSV files to the examples; a bad pick is refused whole, its code at the head of the message', async () => {
    const api = createTrainerWorkerApi();
    const csv = (rows: number, width = 785) => new Blob([Array.from({ length: rows }, (_, r) => [r % 10, ...Array.from({ length: width - 1 }, () => 0)].join(',')).join('\n')]);
    expect((await api.loadFiles([{ path: 'a.csv', blob: csv(3) }])).sources).toEqual({ simulation: 0, files: 3, drawn: 0 });
    const both = await api.loadFiles([{ path: 'b.csv', blob: csv(2) }, { path: '.DS_Store', blob: new Blob(['x']) }]);
    expect(both).toMatchObject({ count: 5, labelCounts: [2, 2, 1, 0, 0, 0, 0, 0, 0, 0] });
    await expect(api.loadFiles([{ path: 'c.csv', blob: csv(4) }, { path: 'd.csv', blob: csv(1, 700) }])).rejects.toThrow(/^FLT_CSV_WIDTH: d\.csv, line 1/);
    expect((await api.clearFiles()).count).toBe(0);
  });

  it('reads a tabular task\'s CSV with its schema, checks and evaluates on it; a bad cell is refused naming file, line and column', async () => {
    const api = createTrainerWorkerApi();
    const choice = await api.init({ force: 'cpu' });
    await api.useSchema(TABLE);
    const text = ['age,town,risk', ...Array.from({ length: 12 }, (_, r) => `${20 + r},${r % 2 === 0 ? 'a' : 'b'},${r < 6 ? 'low' : 'high'}`)].join('\n');

    const summary = await api.loadFiles([{ path: 'mine.csv', blob: new Blob([text]) }]);
    await api.checkData(TABLE);
    const trainer = await WorkerTrainer.create({ remote: api as unknown as TrainerWorkerRemote, choice });
    const weights = getFlatWeights(await createModel({ kind: 'schema', architecture: 'logreg' }, 0, TABLE));
    const metrics = await trainer.evaluate({
      model: { kind: 'schema', architecture: 'logreg' }, schema: TABLE, weights, data: workerLocalData(12), examples: Uint32Array.of(0, 11), signal: new AbortController().signal,
    });

    expect(summary).toMatchObject({ count: 12, labelCounts: [6, 6], sources: { files: 12 }, preview: { kind: 'lines', file: 'mine.csv', lines: ['age,town,risk', '20,a,low', '21,b,low', '22,a,low'] } });
    expect(metrics.loss).toBeGreaterThan(0);
    expect([0, 0.5, 1]).toContain(metrics.accuracy);
    await expect(api.loadFiles([{ path: 'bad.csv', blob: new Blob(['age,town,risk\n30,a,low\nold,b,high\n']) }]))
      .rejects.toThrow(/^DATA_CSV_BAD_CELL: bad\.csv, line 3, column 1 \("age"\)/);
    await expect(api.checkData({ ...TABLE, target: { type: 'classification', classes: ['low'] } } as never)).rejects.toThrow(/^FLT_DATA_SCHEMA_MISMATCH: example 6 has label 1/);
    expect((await api.clearFiles()).count).toBe(0);
  });
});

const TABLE: TabularSchema = {
  kind: 'tabular', features: [{ name: 'age', kind: 'numeric', mean: 25, std: 5 }, { name: 'town', kind: 'categorical', categories: ['a', 'b'] }],
  label: 'risk', target: { type: 'classification', classes: ['low', 'high'] },
};
