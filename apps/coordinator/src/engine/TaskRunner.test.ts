import { afterEach, describe, expect, it } from 'vitest';
import { RdpAccountant } from '@flotilla/privacy';
import { ErrorCodes, type TaskConfigInput } from '@flotilla/protocol';
import { codeOf } from '../testing/codeOf.ts';
import { FakeClient, fakeEngine, fakeUpdate, startFakeRunner, taskSettled, type FakeEngine, type PlanAnswer } from '../testing/fakeEngine.ts';
import { resolveTaskConfig } from './taskConfig.ts';
import { TaskRunner } from './TaskRunner.ts';

const MODEL_LENGTH = 4;

/** Two to three clients, every one selected each round, one round unless a test asks for more. */
const config = (overrides: TaskConfigInput = {}) => resolveTaskConfig({
  data: { simulation: false, partition: { kind: 'iid', numClients: 3, seed: 1 } },
  fit: { fractionFit: 1, minFitClients: 2, minAvailableClients: 2 },
  stop: { maxRounds: 1, targetAccuracy: null, roundDeadlineMs: 30_000 },
  ...overrides,
} as TaskConfigInput);

let runner: TaskRunner | null = null;
afterEach(async () => {
  await runner?.stop();
  runner = null;
});

/** Each report's delta is `value` everywhere, trained on `numExamples`. */
const reports = (value: number, numExamples = 10): PlanAnswer => (plan, client) => {
  const { message, tensors } = fakeUpdate(plan, numExamples, new Float32Array(MODEL_LENGTH).fill(value));
  runner!.acceptUpdate(client, message, tensors, 100);
};

async function start(engine: FakeEngine, clients: FakeClient[]): Promise<TaskRunner> {
  runner = await startFakeRunner(engine, clients);
  return runner;
}

describe('TaskRunner with fake dependencies', () => {
  it('commits a round: the example-weighted mean applied, version 1, the round and its checkpoint stored once', async () => {
    const engine = fakeEngine(config(), MODEL_LENGTH);
    engine.accuracies.splice(0, 1, 0.8);
    const a = new FakeClient('a', 10);
    const b = new FakeClient('b', 30);
    a.answer = reports(1, 10);
    b.answer = reports(3, 30);
    const r = await start(engine, [a, b]);
    await taskSettled(engine);

    expect(Array.from(r.weights)).toEqual([2.5, 2.5, 2.5, 2.5]);
    expect([r.version, r.lastRound, r.modelRound]).toEqual([1, 1, 1]);
    expect(engine.store.commits).toHaveLength(1);
    expect(engine.store.commits[0]).toMatchObject({ round: 1, outcome: 'committed', reported: 2, testAccuracy: 0.8, modelVersion: 1, bytesUp: 200 });
    expect(engine.store.checkpoints.at(-1)).toMatchObject({ version: 1, round: 1 });
    expect(engine.store.checkpoints.at(-1)!.weights).toBe(r.weights);
    expect(engine.store.states.at(-1)).toEqual({ state: 'completed', reason: 'round budget spent' });
    for (const c of [a, b]) expect(c.inbox.at(-1)).toMatchObject({ type: 'round.end', round: 1, outcome: 'committed' });
    // The plan carries the model version it trains from and where to fetch it.
    expect(a.plans()[0]).toMatchObject({ round: 1, modelVersion: 0, weightsUrl: '/api/tasks/task-1/models/0/weights.frame' });
  });

  it('abandons a round whose evaluation fails after aggregation: model, version and server momentum stay as committed', async () => {
    const engine = fakeEngine(config({ strategy: { name: 'fedavgm' }, stop: { maxRounds: 2, targetAccuracy: null, roundDeadlineMs: 30_000 } }), MODEL_LENGTH);
    engine.accuracies.splice(0, 1, 0.6, new Error('the test set went away'));
    const a = new FakeClient('a', 10);
    const b = new FakeClient('b', 10);
    a.answer = reports(1);
    b.answer = reports(1);
    const r = await start(engine, [a, b]);
    await taskSettled(engine);

    expect(engine.store.rounds.map((x) => [x.round, x.outcome])).toEqual([[1, 'committed'], [2, 'abandoned']]);
    expect(engine.store.rounds[1]!.reason).toMatch(/evaluation failed: the test set went away/);
    expect(engine.store.commits).toHaveLength(1);
    const committed = engine.store.checkpoints.at(-1)!;
    expect([r.version, r.lastRound, r.modelRound]).toEqual([1, 2, 1]);
    expect(r.weights).toBe(committed.weights);
    // Round 2's aggregation moved FedAvgM's momentum; abandoning it restored the checkpointed one.
    expect(r.strategy.exportState()).toEqual(committed.strategyState);
    for (const c of [a, b]) expect(c.inbox.at(-1)).toMatchObject({ type: 'round.end', round: 2, outcome: 'abandoned' });
  });

  it('records dropouts as data: a client that disconnects and one that misses the deadline, while the round commits', async () => {
    const engine = fakeEngine(config({
      fit: { fractionFit: 1, minFitClients: 3, minAvailableClients: 3 }, stop: { maxRounds: 1, targetAccuracy: null, roundDeadlineMs: 300 },
    }), MODEL_LENGTH);
    const a = new FakeClient('a', 10, reports(1));
    const gone = new FakeClient('gone', 10, (_plan, client) => {
      engine.registry.remove(client.id);
      runner!.clientLeft(client.id);
    });
    const silent = new FakeClient('silent', 10);
    await start(engine, [a, gone, silent]);
    await taskSettled(engine);

    const [round] = engine.store.commits;
    expect(round).toMatchObject({ outcome: 'committed', reported: 1, dropped: 2, failed: 0 });
    expect(round!.clients.map((c) => [c.clientId, c.outcome]).sort()).toEqual([['a', 'reported'], ['gone', 'disconnected'], ['silent', 'deadline']]);
    expect(engine.bus.of('round.dropout').map((d) => [d.clientId, d.reason]).sort()).toEqual([['gone', 'disconnected'], ['silent', 'deadline']]);
    expect(engine.store.stats.get('gone')).toEqual({ roundsJoined: 1, dropouts: 1 });
    expect(engine.store.stats.get('silent')).toEqual({ roundsJoined: 1, dropouts: 1 });
  });

  it('refuses an update that does not fit the model as a failure of the round, without touching the model', async () => {
    const engine = fakeEngine(config({ stop: { maxRounds: 1, targetAccuracy: null, roundDeadlineMs: 30_000, minReports: 2 } }), MODEL_LENGTH);
    const refused: string[] = [];
    const a = new FakeClient('a', 10, reports(1));
    const liar = new FakeClient('liar', 10, (plan, client) => {
      const { message, tensors } = fakeUpdate(plan, 10, new Float32Array(MODEL_LENGTH + 1));
      refused.push(codeOf(() => runner!.acceptUpdate(client, message, tensors, 100)) ?? 'accepted');
    });
    const r = await start(engine, [a, liar]);
    await taskSettled(engine);

    expect(refused).toEqual([ErrorCodes.TENSOR_MISMATCH]);
    expect(engine.store.rounds[0]).toMatchObject({ outcome: 'abandoned', reported: 1, failed: 1, reason: '1 reports, fewer than minReports = 2' });
    expect(engine.bus.of('client.error')).toEqual([expect.objectContaining({ clientId: 'liar', outcome: 'rejected', code: ErrorCodes.TENSOR_MISMATCH })]);
    expect(Array.from(r.weights)).toEqual([0, 0, 0, 0]);
    expect(r.version).toBe(0);
  });

  it('stops the task through the strategy\'s privacy accounting before a round that would exceed the budget', async () => {
    // Every client is selected (q = 1): ε after one round, and after two, at z = 1.
    const one = new RdpAccountant([{ noiseMultiplier: 1, sampleRate: 1, steps: 1 }]).getEpsilon(1e-5);
    const two = new RdpAccountant([{ noiseMultiplier: 1, sampleRate: 1, steps: 2 }]).getEpsilon(1e-5);
    const engine = fakeEngine(config({
      data: { simulation: false, partition: { kind: 'iid', numClients: 2, seed: 1 } },
      privacy: { differentialPrivacy: { enabled: true, noiseMultiplier: 1, clippingNorm: 1, targetEpsilon: (one + two) / 2 } },
      stop: { maxRounds: 5, targetAccuracy: null, roundDeadlineMs: 30_000 },
    }), MODEL_LENGTH);
    const a = new FakeClient('a', 10, reports(0.1));
    const b = new FakeClient('b', 10, reports(0.1));
    const r = await start(engine, [a, b]);
    await taskSettled(engine);

    expect(engine.store.rounds.map((x) => x.outcome)).toEqual(['committed']);
    expect(engine.store.rounds[0]!.epsilon).toBeCloseTo(one, 6);
    expect(engine.store.rounds[0]!.clipNorm).toBe(1);
    expect(engine.store.states.at(-1)!.reason).toMatch(/^privacy budget ε = [\d.]+ reached \(spent [\d.]+\)$/);
    expect(r.lastRound).toBe(1);
  });

  it('collects under secure aggregation when the task asks: plans carry the SecAgg block and clear updates are refused', async () => {
    const engine = fakeEngine(config({
      fit: { fractionFit: 1, minFitClients: 3, minAvailableClients: 3 },
      privacy: { secureAggregation: { enabled: true, mode: 'full' } },
    }), MODEL_LENGTH);
    const refusals: string[] = [];
    const clients = ['a', 'b', 'c'].map((id) => new FakeClient(id, 10, (plan, client) => {
      const { message, tensors } = fakeUpdate(plan, 10, new Float32Array(MODEL_LENGTH));
      refusals.push(codeOf(() => runner!.acceptUpdate(client, message, tensors, 100)));
    }));
    const r = await start(engine, clients);
    await new Promise<void>((resolve) => {
      const poll = () => (refusals.length === 3 ? resolve() : setImmediate(poll));
      poll();
    });

    expect(engine.bus.of('round.started')).toEqual([expect.objectContaining({ round: 1, secure: true })]);
    expect(clients.map((c) => c.plans()[0]!.secureAggregation?.party).sort()).toEqual([1, 2, 3]);
    expect(refusals).toEqual([ErrorCodes.SECAGG_REQUIRED, ErrorCodes.SECAGG_REQUIRED, ErrorCodes.SECAGG_REQUIRED]);
    await r.stop();
    expect(engine.store.rounds[0]).toMatchObject({ outcome: 'abandoned', reason: 'stopped by the operator' });
    expect(r.version).toBe(0);
  });

  it('collects in the clear otherwise: no SecAgg block, and a SecAgg message is refused as stale', async () => {
    const engine = fakeEngine(config(), MODEL_LENGTH);
    const codes: string[] = [];
    const answer: PlanAnswer = (plan, client) => {
      codes.push(codeOf(() => runner!.acceptSecAgg(client, { type: 'secagg.advertise', taskId: plan.taskId, round: plan.round, encryptionPublicKey: 'AA', maskingPublicKey: 'AA' }, undefined, 10)));
      reports(1)(plan, client);
    };
    const a = new FakeClient('a', 10, answer);
    const b = new FakeClient('b', 10, answer);
    await start(engine, [a, b]);
    await taskSettled(engine);

    expect(engine.bus.of('round.started')).toEqual([expect.objectContaining({ secure: false })]);
    expect(a.plans()[0]!.secureAggregation).toBeUndefined();
    expect(codes).toEqual([ErrorCodes.STALE_ROUND, ErrorCodes.STALE_ROUND]);
    expect(engine.store.commits).toHaveLength(1);
  });
});
