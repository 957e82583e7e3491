// Tests for the simulated slow device of Node fleets.
import { describe, expect, it } from 'vitest';
import type { Trainer, TrainJob } from '@flotilla/client';
import { DelayedTrainer, slowClients } from './DelayedTrainer.ts';

// A trainer whose training "takes" a fixed 30 ms, as its metrics report.
const quick: Trainer = {
  device: () => ({ backend: 'test', examplesPerSec: 400 }),
  train: async () => ({ update: new Float32Array(2), shapes: [[2]], numExamples: 5, metrics: { loss: 1, accuracy: 0.5, trainMs: 30 } }),
};
const job = (signal = new AbortController().signal) => ({ signal } as unknown as TrainJob);

describe('DelayedTrainer', () => {
  it('reports a device X× slower and trainings that take X× as long', async () => {
    const slow = new DelayedTrainer(quick, 4);
    expect(slow.device().examplesPerSec).toBe(100);
    const outcome = await slow.train(job());
    expect(outcome.metrics.trainMs).toBe(120);
    expect(outcome.numExamples).toBe(5);
  });

  it('stops waiting when the training is aborted (the round ended or the client stopped)', async () => {
    const abort = new AbortController();
    const training = new DelayedTrainer(quick, 1000).train(job(abort.signal));
    abort.abort(new Error('round over'));
    await expect(training).rejects.toThrow('round over');
  });

  it('evaluates only where the wrapped trainer does, so the client still refuses with its code otherwise', () => {
    expect(new DelayedTrainer(quick, 2).evaluate).toBeUndefined();
    expect(new DelayedTrainer({ ...quick, evaluate: async () => ({ loss: 1, accuracy: 1 }) }, 2).evaluate).toBeTypeOf('function');
    expect(new DelayedTrainer(quick, 2).evaluatePersonal).toBeUndefined();
    expect(new DelayedTrainer({ ...quick, evaluatePersonal: async () => ({ personal: { loss: 1, accuracy: 1 } }) } as Trainer, 2).evaluatePersonal).toBeTypeOf('function');
    expect(() => new DelayedTrainer(quick, 0.5)).toThrow(RangeError);
  });
});

describe('slowClients', () => {
  it('picks the fraction of the clients, the same ones for the same seed', () => {
    const chosen = slowClients(10, 0.3, 1);
    expect(chosen).toHaveLength(3);
    expect(new Set(chosen).size).toBe(3);
    expect(chosen.every((i) => i >= 0 && i < 10)).toBe(true);
    expect(slowClients(10, 0.3, 1)).toEqual(chosen);
    expect(slowClients(10, 0, 1)).toEqual([]);
  });
});
