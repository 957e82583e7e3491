// The model worker is never a single point of failure: a worker that exits or stays silent
// fails what it holds with FLT_MODEL_WORKER_FAILED, and ModelService replaces it at the next call.

import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes } from '@flotilla/protocol';
import { ModelService, type ModelWorkerFailure } from './ModelService.ts';
import { WorkerRpc, type WorkerFailure } from './WorkerRpc.ts';
import type { BaselineJob } from './jobs.ts';

const scripted = new URL('../testing/scriptedWorker.ts', import.meta.url);
const MODEL = { kind: 'mnist-2nn' } as const;

describe('WorkerRpc', () => {
  const open: WorkerRpc[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((w) => w.close()));
  });

  it('fails the calls of a worker that exits with the code, and every later call at once', async () => {
    const deaths: WorkerFailure[] = [];
    const rpc = new WorkerRpc(scripted, (f) => deaths.push(f));
    open.push(rpc);
    expect(await rpc.call('evaluate', {})).toMatchObject({ accuracy: 0.9 });

    await expect(rpc.call('exit', {})).rejects.toMatchObject({ code: ErrorCodes.MODEL_WORKER_FAILED, message: 'model worker exited with code 3' });
    expect(rpc.alive).toBe(false);
    await expect(rpc.call('evaluate', {})).rejects.toMatchObject({ code: ErrorCodes.MODEL_WORKER_FAILED });
    expect(deaths.map((d) => d.method)).toEqual(['exit']);
  });

  it('terminates a worker that gives no answer within the call timeout', async () => {
    const rpc = new WorkerRpc(scripted);
    open.push(rpc);
    await rpc.call('evaluate', {});
    await expect(rpc.call('hang', {}, { timeoutMs: 500 })).rejects.toMatchObject({
      code: ErrorCodes.MODEL_WORKER_FAILED, message: 'model worker gave no answer to hang within 0.5 s',
    });
    expect(rpc.alive).toBe(false);
  });

  it('counts the timeout from the last progress, so a long job that reports keeps going', async () => {
    const rpc = new WorkerRpc(scripted);
    open.push(rpc);
    await rpc.call('evaluate', {});
    const epochs: unknown[] = [];
    // Twelve steps of 100 ms: 1.2 s in all, longer than the timeout, each step well within it.
    const result = await rpc.call('baseline', { steps: 12, stepMs: 100 }, { timeoutMs: 1000, onProgress: (p) => epochs.push(p) });
    expect(result).toMatchObject({ accuracy: 0.8 });
    expect(epochs).toHaveLength(12);
  });
});

describe('ModelService', () => {
  let models: ModelService | null = null;
  afterEach(async () => {
    await models?.close();
  });

  it('answers the next evaluation on a fresh worker after the last one died, and reports the death with its task and round', async () => {
    const failures: ModelWorkerFailure[] = [];
    models = new ModelService({ workerFile: scripted, onWorkerFailure: (f) => failures.push(f) });
    const weights = new Float32Array(4);
    expect(await models.evaluate(MODEL, weights, 10)).toMatchObject({ accuracy: 0.9 });

    // testLimit 0 makes the scripted worker's thread exit with the evaluation pending.
    await expect(models.evaluate(MODEL, weights, 0, { taskId: 't1', round: 4 })).rejects.toMatchObject({ code: ErrorCodes.MODEL_WORKER_FAILED });
    expect(failures).toEqual([expect.objectContaining({ worker: 'quick', method: 'evaluate', taskId: 't1', round: 4 })]);

    expect(await models.evaluate(MODEL, weights, 10, { taskId: 't1', round: 5 })).toMatchObject({ accuracy: 0.9 });
    expect(failures).toHaveLength(1);
  });

  it('tries initial weights once more on a fresh worker, then fails with the code', async () => {
    const failures: ModelWorkerFailure[] = [];
    models = new ModelService({ workerFile: scripted, onWorkerFailure: (f) => failures.push(f) });
    await expect(models.init(MODEL, -1)).rejects.toMatchObject({ code: ErrorCodes.MODEL_WORKER_FAILED });
    expect(failures.map((f) => f.method)).toEqual(['init', 'init']);
    expect(await models.init(MODEL, 1)).toMatchObject({ shapes: [[4]] });
  });

  it('fails a baseline whose worker falls silent between epochs with the code', async () => {
    const failures: ModelWorkerFailure[] = [];
    // Long enough for a fresh worker thread to start (its first silence includes loading the module).
    models = new ModelService({ workerFile: scripted, timeouts: { baselineEpochMs: 5000 }, onWorkerFailure: (f) => failures.push(f) });
    const epochs: unknown[] = [];
    const job = { steps: -2, stepMs: 50 } as unknown as BaselineJob;
    await expect(models.baseline(job, (e) => epochs.push(e), { taskId: 't2' })).rejects.toMatchObject({ code: ErrorCodes.MODEL_WORKER_FAILED });
    expect(epochs).toHaveLength(2);
    expect(failures).toEqual([expect.objectContaining({ worker: 'baseline', method: 'baseline', taskId: 't2' })]);
  });
});
