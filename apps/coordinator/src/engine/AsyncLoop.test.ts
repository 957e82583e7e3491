// Unit tests of the asynchronous (FedBuff) engine with fake dependencies: the committed model from
// a buffer through the server learning rate, a robust rule per buffer, client-level DP accounted
// once per commit with each client at most once in a buffer, and clients re-planned without round.end.
import { afterEach, describe, expect, it } from 'vitest';
import { RdpAccountant } from '@flotilla/privacy';
import type { TaskConfigInput } from '@flotilla/protocol';
import { FakeClient, fakeEngine, fakeUpdate, startFakeRunner, taskSettled, type FakeEngine, type PlanAnswer } from '../testing/fakeEngine.ts';
import { resolveTaskConfig } from './taskConfig.ts';
import { TaskRunner } from './TaskRunner.ts';

const MODEL_LENGTH = 4;

const config = (asynchronous: Record<string, unknown>, overrides: TaskConfigInput = {}) => resolveTaskConfig({
  data: { simulation: false, partition: { kind: 'iid', numClients: 3, seed: 1 } },
  fit: { fractionFit: 1, minFitClients: 1, minAvailableClients: 1 },
  stop: { maxRounds: 1, targetAccuracy: null, roundDeadlineMs: 30_000 },
  asynchronous: { enabled: true, stalenessWeighting: 'constant', ...asynchronous },
  ...overrides,
} as TaskConfigInput);

// Each test names its clients apart: a fake client of an earlier test may still answer, as a socket's late reply would.
let runner: TaskRunner | null = null;
afterEach(async () => {
  await runner?.stop();
  runner = null;
  refusals.length = 0;
});

/** Refusals the runner answered (a socket would send them back as error messages). */
const refusals: string[] = [];

/** Answers each plan at once with `value` everywhere; the runner is the one running when the answer arrives, as over a socket. */
const reports = (value: number, numExamples = 10): PlanAnswer => (plan, client) => {
  const { message, tensors } = fakeUpdate(plan, numExamples, new Float32Array(MODEL_LENGTH).fill(value));
  try {
    runner?.acceptUpdate(client, message, tensors, 100);
  } catch (err) {
    refusals.push((err as { code?: string }).code ?? String(err));
  }
};

async function start(engine: FakeEngine, clients: FakeClient[]): Promise<TaskRunner> {
  runner = await startFakeRunner(engine, clients);
  return runner;
}

describe('AsyncLoop with fake dependencies', () => {
  it('commits x + η_g · the example-weighted mean of a full buffer, and plans every client again without round.end', async () => {
    const engine = fakeEngine(config({ bufferSize: 2, concurrency: 2, serverLearningRate: 0.5 }), MODEL_LENGTH);
    const a = new FakeClient('a', 10, reports(1, 10));
    const b = new FakeClient('b', 30, reports(3, 30));
    const r = await start(engine, [a, b]);
    await taskSettled(engine);

    // (10·1 + 30·3) / 40 = 2.5, times η_g = 0.5
    expect(Array.from(r.weights)).toEqual([1.25, 1.25, 1.25, 1.25]);
    expect([r.version, r.lastRound]).toEqual([1, 1]);
    expect(engine.store.commits[0]).toMatchObject({
      round: 1, outcome: 'committed', reported: 2, goal: 2, modelVersion: 1,
      asynchronous: { bufferSize: 2, meanStaleness: 0, maxStaleness: 0, stalenessHistogram: [2], refusedStale: 0, updatesByClient: { a: 1, b: 1 } },
    });
    expect(engine.store.states.at(-1)).toEqual({ state: 'completed', reason: 'round budget spent' });
    expect(a.plans()[0]).toMatchObject({ asynchronous: true, modelVersion: 0 });
    // No round.end after an accepted update: only the end of the task voids the plans still out.
    const ends = [...a.inbox, ...b.inbox].filter((m) => m.type === 'round.end');
    expect(ends.every((m) => (m as { outcome?: string }).outcome === 'abandoned')).toBe(true);
    expect(ends.length).toBeLessThanOrEqual(2);
  });

  it('runs a robust rule per buffer: the coordinate median of the K updates', async () => {
    const engine = fakeEngine(config({ bufferSize: 3, concurrency: 3 }, { strategy: { name: 'fedmedian' }, fit: { fractionFit: 1, minFitClients: 1, minAvailableClients: 3 } }), MODEL_LENGTH);
    const r = await start(engine, [new FakeClient('m1', 10, reports(1)), new FakeClient('m2', 10, reports(2)), new FakeClient('m3', 10, reports(100))]);
    await taskSettled(engine);

    expect(Array.from(r.weights)).toEqual([2, 2, 2, 2]);
    expect(engine.store.commits[0]).toMatchObject({ outcome: 'committed', asynchronous: { bufferSize: 3 } });
  });

  it('accounts client-level DP once per commit at q = K / eligible clients, each client at most once in a buffer', async () => {
    const engine = fakeEngine(config({ bufferSize: 2, concurrency: 3 }, {
      stop: { maxRounds: 2, targetAccuracy: null, roundDeadlineMs: 30_000 },
      fit: { fractionFit: 1, minFitClients: 1, minAvailableClients: 3 },
      privacy: { differentialPrivacy: { enabled: true, noiseMultiplier: 1.1, clippingNorm: 1, delta: 1e-5 } },
    }), MODEL_LENGTH);
    await start(engine, [new FakeClient('d1', 10, reports(0.1)), new FakeClient('d2', 10, reports(0.1)), new FakeClient('d3', 10, reports(0.1))]);
    await taskSettled(engine);

    const reference = new RdpAccountant();
    const epsilons = engine.store.commits.map((c) => {
      reference.step(1.1, 2 / 3);
      return [c.epsilon, reference.getEpsilon(1e-5)];
    });
    expect(epsilons).toHaveLength(2);
    for (const [spent, expected] of epsilons) expect(spent).toBeCloseTo(expected!, 6);
    for (const c of engine.store.commits) expect(Object.values(c.asynchronous!.updatesByClient).every((n) => n === 1)).toBe(true);
    expect(engine.store.commits.every((c) => c.clipNorm === 1)).toBe(true);
  });
});
