// Secure aggregation with the int8 uplink over real sockets: each client quantises its clipped
// update to 8 bits, masks it in Z_2^(8+⌈log2 n⌉) and sends m bits a coordinate; the committed model
// is FedAvg within the quantisation bound, dropouts are recovered in the small ring, and a client
// that packs at another width is refused with a code.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FlotillaClient } from '@flotilla/client';
import { ErrorCodes, encodeWordsFrame, packedByteLength } from '@flotilla/protocol';
import { RawClient, api, createTask, eventually, smallTask, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';
import type { TaskConfigInput } from '../engine/taskConfig.ts';
import { SYNTHETIC_AMPLITUDE, modelWeights, startSyntheticClients, type Produced } from '../testing/syntheticUpdates.ts';

// The clip is the synthetic updates' amplitude: every coordinate of every update is inside it.
const CLIP = SYNTHETIC_AMPLITUDE;

function int8Task(n: number, secureAggregation: Record<string, unknown>, extra: TaskConfigInput = {}): TaskConfigInput {
  return smallTask({
    data: { partition: { kind: 'iid', numClients: n, seed: 3, examplesPerClient: 50 } },
    fit: { minFitClients: n, minAvailableClients: n },
    stop: { maxRounds: 1 },
    communication: { uplink: { codec: 'int8' } },
    // Logistic regression (7,850 weights): the crypto of a 2NN round would take most of the test's time.
    model: { kind: 'schema', architecture: 'logreg' },
    ...extra,
    privacy: { secureAggregation: { enabled: true, stageDeadlineMs: 5_000, clip: CLIP, ...secureAggregation } },
  });
}

interface RoundRow { outcome: string; reason: string | null; reported: number }
interface ClientRow { clientId: string; bytesUp?: number }

async function firstRound(url: string, taskId: string): Promise<RoundRow & { clients: ClientRow[] }> {
  await eventually(async () => {
    const { body } = await api<{ rounds: RoundRow[] }>(url, `/api/tasks/${taskId}/rounds`);
    return body.rounds.length >= 1 ? true : undefined;
  }, 60_000, 'one round');
  return (await api<RoundRow & { clients: ClientRow[] }>(url, `/api/tasks/${taskId}/rounds/1`)).body;
}

/** FedAvg in float64 of the given clients' updates, and the quantisation bound of its secure mean. */
function fedAvgOf(global: Float32Array, produced: Map<number, Produced>, ids: number[], maxWeight: number): { mean: Float64Array; bound: number } {
  const mean = Float64Array.from(global);
  const total = ids.reduce((n, i) => n + produced.get(i)!.numExamples, 0);
  for (const i of ids) {
    const { update, numExamples } = produced.get(i)!;
    for (let j = 0; j < mean.length; j++) mean[j]! += (update[j]! * numExamples) / total;
  }
  // Each client's weighted value is off by less than one step clip/127 (weight/maxWeight scaled):
  // the mean by less than n steps · maxWeight / Σ weights, plus float32 rounding of the weights.
  return { mean, bound: (ids.length * (CLIP / 127) * maxWeight) / total + 1e-6 };
}

function errors(committed: Float32Array, expected: Float64Array): { max: number; mean: number } {
  let max = 0;
  let sum = 0;
  for (let i = 0; i < committed.length; i++) {
    const d = committed[i]! - expected[i]!;
    max = Math.max(max, Math.abs(d));
    sum += d;
  }
  return { max, mean: sum / committed.length };
}

describe('secure aggregation with the int8 uplink', () => {
  // One coordinator for the file (its start-up and first task dominate a test's time); each test has its own task.
  let coordinator: TestCoordinator;
  let clients: FlotillaClient[] = [];
  const raws: RawClient[] = [];

  beforeAll(async () => {
    coordinator = await startTestCoordinator();
  });

  afterEach(() => {
    for (const c of clients) c.stop();
    for (const r of raws) r.close();
    clients = [];
    raws.length = 0;
  });

  afterAll(async () => {
    await coordinator.close();
  });

  it('commits FedAvg within the quantisation bound, each masked upload packed at 8 + ⌈log2 4⌉ = 10 bits a coordinate', async () => {
    const { url } = coordinator;
    const taskId = await createTask(url, int8Task(4, { mode: 'full' }, { stop: { maxRounds: 1, minReports: 4 } }));
    const produced = new Map<number, Produced>();
    const masked = new Map<number, number>();
    const secaggBytes = new Map<number, number>();
    clients = startSyntheticClients(url, taskId, 4, produced, {}, (i, e) => {
      if (e.type !== 'secagg') return;
      secaggBytes.set(i, (secaggBytes.get(i) ?? 0) + e.bytes);
      if (e.stage === 'masked') masked.set(i, e.bytes);
    });
    const round = await firstRound(url, taskId);
    expect(round).toMatchObject({ outcome: 'committed', reported: 4 });

    const global = await modelWeights(url, taskId, 0);
    const committed = await modelWeights(url, taskId, 1);
    const { mean, bound } = fedAvgOf(global, produced, [0, 1, 2, 3], 200);
    const error = errors(committed, mean);
    expect(error.max).toBeLessThan(bound);
    // Stochastic rounding is unbiased: over 7,850 coordinates the errors average out (std ≈ bound/350).
    expect(Math.abs(error.mean)).toBeLessThan(bound / 50);

    // The model's values at 10 bits and the weight word at 32, plus the frame's header (< 200 bytes).
    const payload = packedByteLength(global.length + 1, { bits: 10, wide: 1 });
    for (const bytes of masked.values()) {
      expect(bytes).toBeGreaterThanOrEqual(payload);
      expect(bytes).toBeLessThan(payload + 200);
      expect(bytes).toBeLessThan(4 * global.length * 0.35);
    }
    // What the store counts up per client is what its socket carried: the packed upload and its key messages.
    expect(round.clients.map((c) => c.bytesUp).sort()).toEqual([...secaggBytes.values()].sort());
  });

  it('SecAgg+ (k = 4 of 6) in the small ring: a dropout after sharing and one after the upload are recovered', async () => {
    const { url } = coordinator;
    const taskId = await createTask(url, int8Task(6, { mode: 'plus', neighbours: 4 }));
    const produced = new Map<number, Produced>();
    clients = startSyntheticClients(url, taskId, 6, produced, {}, (i, e, c) => {
      if (e.type !== 'secagg') return;
      if ((i === 4 && e.stage === 'shared') || (i === 5 && e.stage === 'masked')) c.stop();
    });
    const round = await firstRound(url, taskId);
    expect(round).toMatchObject({ outcome: 'committed', reported: 5 });
    // Client 4's pairwise masks were rebuilt from its key shares; they cancel mod 2^11 as mod 2^32.
    const { mean, bound } = fedAvgOf(await modelWeights(url, taskId, 0), produced, [0, 1, 2, 3, 5], 300);
    expect(errors(await modelWeights(url, taskId, 1), mean).max).toBeLessThan(bound);
  });

  it('refuses a masked input packed at another width than the plan with FLT_UNSUPPORTED_CODEC; the round goes on', async () => {
    const { url } = coordinator;
    const taskId = await createTask(url, int8Task(3, { mode: 'full' }));
    const raw = new RawClient(url);
    raws.push(raw);
    await raw.hello({ taskId, capabilities: { codecs: ['float32', 'int8'] } });
    const produced = new Map<number, Produced>();
    clients = startSyntheticClients(url, taskId, 2, produced);
    const plan = await raw.next<{ round: number; modelVersion: number; secureAggregation: { vectorLength: number; quantised: { bits: number; ringBits: number } } }>('round.plan');
    expect(plan.secureAggregation.quantised).toMatchObject({ bits: 8, ringBits: 10 });
    const message = { type: 'secagg.masked', taskId, round: plan.round, modelVersion: plan.modelVersion };
    raw.send(encodeWordsFrame(message, new Uint32Array(plan.secureAggregation.vectorLength)));
    const refused = await raw.next<{ code: string; message: string }>('error');
    expect(refused.code).toBe(ErrorCodes.UNSUPPORTED_CODEC);
    expect(refused.message).toMatch(/32 bits.*asks for 10/);
    raw.close(); // a dropout before sharing
    const round = await firstRound(url, taskId);
    expect(round).toMatchObject({ outcome: 'committed', reported: 2 });
  });
});
