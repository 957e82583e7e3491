// Tests for the work planner: local steps sized to a client's speed and the deadline, the
// likelyToFinish weights, and the steps an update may report.
import { describe, expect, it } from 'vitest';
import { ErrorCodes, FlotillaError, MNIST_SCHEMA, SUPPORTED_CODECS, type RoundPlan, type Update } from '@flotilla/protocol';
import { DEFAULT_TASK_CONFIG } from './taskConfig.ts';
import { MIN_SELECTION_WEIGHT, WorkPlanner, plannedSteps, selectionWeight, type WorkSettings } from './workPlanner.ts';

const settings = (work: Partial<WorkSettings['work']> = {}): WorkSettings => ({
  work: { kind: 'adaptive', deadlineFraction: 0.8, minSteps: 2, acceptPartial: true, selection: 'uniform', ...work },
  epochs: 5, batchSize: 10, roundDeadlineMs: 10_000,
});
const fast = { examplesPerSec: 1000, overheadMs: 0, observed: true };
const slow = { examplesPerSec: 50, overheadMs: 1000, observed: true };

describe('plannedSteps', () => {
  it('gives a fast client its full epochs and a slow one what fits in the deadline', () => {
    // Arrange: 600 examples, E = 5, B = 10 → 300 full steps; budget 0.8 × 10 s
    // Act / Assert: fast: 8 s at 10 ms a step = 800 ≥ 300; slow: (8 s − 1 s) at 200 ms a step = 35
    expect(plannedSteps(settings(), 600, fast, 10_000)).toBe(300);
    expect(plannedSteps(settings(), 600, slow, 10_000)).toBe(35);
  });

  it('never plans fewer than minSteps, nor more than the full work', () => {
    const crawling = { examplesPerSec: 1, overheadMs: 0, observed: true };
    expect(plannedSteps(settings(), 600, crawling, 10_000)).toBe(2);
    expect(plannedSteps(settings({ minSteps: 50 }), 20, crawling, 10_000)).toBe(10);
  });

  it('holds a client claiming an absurd speed to its full work, and one claiming none to minSteps', () => {
    // A hello may claim any finite speed: 1e308 examples/s makes a step take ~0 ms (budget/step = Infinity).
    const liar = { examplesPerSec: 1e308, overheadMs: 0, observed: false };
    expect(plannedSteps(settings(), 600, liar, 10_000)).toBe(300);
    expect(plannedSteps(settings(), 600, { examplesPerSec: Number.MIN_VALUE, overheadMs: 0, observed: false }, 10_000)).toBe(2);
    // An overhead past the whole budget still plans the minimum, never a negative count.
    expect(plannedSteps(settings(), 600, { examplesPerSec: 100, overheadMs: 1e9, observed: true }, 10_000)).toBe(2);
  });

  it('asks an unmeasured client for the full work', () => {
    expect(plannedSteps(settings(), 600, undefined, 10_000)).toBe(300);
  });
});

describe('selectionWeight', () => {
  it('is 1 for a client that finishes, its predicted share for one that would not, and never below the floor', () => {
    expect(selectionWeight(settings(), 60, fast)).toBe(1);
    // 30 steps × 200 ms + 1 s = 7 s of work in an 8 s budget → 1; 600 examples → 61 s → 8/61
    expect(selectionWeight(settings(), 60, slow)).toBe(1);
    expect(selectionWeight(settings(), 600, slow)).toBeCloseTo(8 / 61, 6);
    expect(selectionWeight(settings(), 600, { examplesPerSec: 0.1, overheadMs: 0, observed: true })).toBe(MIN_SELECTION_WEIGHT);
    expect(selectionWeight(settings(), 600, undefined)).toBe(1);
  });
});

const adaptiveConfig = { ...DEFAULT_TASK_CONFIG, fit: { ...DEFAULT_TASK_CONFIG.fit, epochs: 2, batchSize: 10, work: settings().work } };
const plan = (deadline: number): RoundPlan => ({
  type: 'round.plan', taskId: 't', round: 1, modelVersion: 0, model: { kind: 'mnist-2nn' }, schema: MNIST_SCHEMA,
  weightsUrl: '/w', codec: SUPPORTED_CODECS[0]!, fit: { epochs: 2, batchSize: 10, learningRate: 0.1, proximalMu: 0, seed: 1 }, deadline,
});
const update = (localSteps: number | undefined, trainMs = 1000): Update => ({
  type: 'update', taskId: 't', round: 1, modelVersion: 0, numExamples: 100, metrics: { loss: 1, accuracy: 0.5, trainMs },
  ...(localSteps === undefined ? {} : { localSteps }),
});

describe('WorkPlanner', () => {
  it('binds each client its own steps, learns its speed from the update, and plans the next round by it', () => {
    // Arrange: a clock the test moves; 100 examples, E = 2, B = 10 → 20 full steps
    let now = 0;
    const work = new WorkPlanner(adaptiveConfig, () => now);
    const client = { id: 'c', numExamples: 100, device: {} };
    // Act: unmeasured → the full 20; it does 20 steps (200 examples) in 4 s of a 4 s round trip
    const first = work.bindPlan(plan(10_000), client);
    now = 4000;
    const accepted = work.accept('c', update(20, 4000));
    now = 10_000;
    const second = work.bindPlan(plan(20_000), client);
    // Assert: 50 examples/s → 200 ms a step; 0.8 × 10 s = 8 s → 40 steps, capped at the full 20
    expect(first.fit).toMatchObject({ localSteps: 20, acceptPartial: true });
    expect(accepted).toEqual({ planned: 20, localSteps: 20 });
    expect(second.fit.localSteps).toBe(20);
    // A shorter round: 0.8 × 2 s = 1.6 s → 8 steps
    expect(work.bindPlan(plan(now + 2000), client).fit.localSteps).toBe(8);
  });

  it('refuses more steps than planned, and zero steps, with a coded error', () => {
    const work = new WorkPlanner(adaptiveConfig, () => 0);
    work.bindPlan(plan(10_000), { id: 'c', numExamples: 100, device: { examplesPerSec: 25 } });
    const codeOf = (f: () => unknown) => { try { f(); } catch (e) { return e instanceof FlotillaError ? e.code : 'other'; } return null; };
    // 25/s → 400 ms a step; 8 s → 20 steps, the full work
    expect(codeOf(() => work.accept('c', update(21)))).toBe(ErrorCodes.SCHEMA_VIOLATION);
    expect(codeOf(() => work.accept('c', update(0)))).toBe(ErrorCodes.SCHEMA_VIOLATION);
    expect(work.accept('c', update(7))).toEqual({ planned: 20, localSteps: 7 });
  });

  it('leaves plans alone under fixed work and counts an old client\'s update as its full epochs', () => {
    const work = new WorkPlanner(DEFAULT_TASK_CONFIG, () => 0);
    const p = plan(10_000);
    expect(work.bindPlan(p, { id: 'c', numExamples: 100, device: {} })).toBe(p);
    const { epochs, batchSize } = DEFAULT_TASK_CONFIG.fit;
    expect(work.accept('c', update(undefined))).toEqual({ planned: epochs * Math.ceil(100 / batchSize), localSteps: epochs * Math.ceil(100 / batchSize) });
  });
});
