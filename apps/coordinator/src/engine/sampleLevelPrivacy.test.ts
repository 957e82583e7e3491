import { describe, expect, it } from 'vitest';
import { DpSgdAccountant } from '@flotilla/privacy';
import type { RoundClientRecord, RoundRecord } from '../store/Store.ts';
import { resolveTaskConfig } from './taskConfig.ts';
import { bindDpSgdExamples, dpSgdAccountant, dpSgdBudgetStop, dpSgdEligible, dpSgdPlan } from './sampleLevelPrivacy.ts';

const config = resolveTaskConfig({
  fit: { epochs: 2, batchSize: 10 },
  privacy: { dpSgd: { enabled: true, l2NormClip: 0.7, noiseMultiplier: 1.2, microbatchSize: 2, delta: 1e-6, targetEpsilon: 4 } },
});

function round(n: number, outcome: RoundRecord['outcome'], clients: RoundClientRecord[]): RoundRecord {
  return {
    taskId: 't', round: n, outcome, reason: null, startedAt: 0, endedAt: 1, selected: clients.length, goal: clients.length,
    reported: clients.filter((c) => c.outcome === 'reported').length, dropped: 0, failed: 0, testAccuracy: null, testLoss: null,
    trainLoss: null, baselineAccuracy: null, delta: null, epsilon: null, bytesUp: 0, bytesDown: 0, modelVersion: n, clients,
  };
}
const reported = (clientId: string, numExamples: number): RoundClientRecord => ({ clientId, outcome: 'reported', code: null, numExamples, trainLoss: 1 });
const dropped = (clientId: string): RoundClientRecord => ({ clientId, outcome: 'disconnected', code: null, numExamples: null, trainLoss: null });

describe('sample-level privacy of a task', () => {
  it('under secure aggregation binds each plan to the declared example count and selects only clients that declared one', () => {
    const secure = resolveTaskConfig({ ...config, privacy: { ...config.privacy, secureAggregation: { enabled: true } } });
    const clients = [{ id: 'a', numExamples: 600 }, { id: 'b', numExamples: null }];
    expect(dpSgdEligible(secure, clients).map((c) => c.id)).toEqual(['a']);
    expect(dpSgdEligible(config, clients).map((c) => c.id)).toEqual(['a', 'b']);
    const fit = { epochs: 2, batchSize: 10, learningRate: 0.1, proximalMu: 0, seed: 1, ...dpSgdPlan(secure) };
    expect(bindDpSgdExamples(fit, 600).dpSgd).toEqual({ l2NormClip: 0.7, noiseMultiplier: 1.2, microbatchSize: 2, numExamples: 600 });
    const plain = { epochs: 2, batchSize: 10, learningRate: 0.1, proximalMu: 0, seed: 1 };
    expect(bindDpSgdExamples(plain, 600)).toEqual(plain);
  });

  it('sends the DP-SGD settings in the plan only when the task uses DP-SGD', () => {
    expect(dpSgdPlan(config)).toEqual({ dpSgd: { l2NormClip: 0.7, noiseMultiplier: 1.2, microbatchSize: 2 } });
    expect(dpSgdPlan(resolveTaskConfig({}))).toEqual({});
    expect(dpSgdAccountant(resolveTaskConfig({}), [])).toBeNull();
  });

  it('after a restart, replays every update the stored rounds received, abandoned rounds included', () => {
    const rounds = [
      round(1, 'committed', [reported('a', 120), reported('b', 80), dropped('c')]),
      round(2, 'abandoned', [reported('b', 80), dropped('a')]),
      round(3, 'committed', [reported('a', 120)]),
    ];

    const replayed = dpSgdAccountant(config, rounds)!;

    const live = new DpSgdAccountant({ noiseMultiplier: 1.2, delta: 1e-6, epochs: 2, batchSize: 10 });
    for (const [id, n] of [['a', 120], ['b', 80], ['b', 80], ['a', 120]] as const) live.recordUpdate(id, n);
    expect(replayed.epsilonSpent()).toBeGreaterThan(0);
    expect(replayed.epsilonSpent()).toBe(live.epsilonSpent());
  });

  it('stops the task before a round that would exceed the budget', () => {
    const accountant = dpSgdAccountant(config, [])!;
    const next = [{ clientId: 'a', numExamples: 100 }];
    let rounds = 0;
    while (dpSgdBudgetStop(config, accountant, next) === null) {
      accountant.recordUpdate('a', 100);
      rounds++;
    }

    expect(rounds).toBeGreaterThan(0);
    expect(accountant.epsilonSpent()).toBeLessThanOrEqual(4);
    expect(accountant.epsilonAfterRound(next)).toBeGreaterThan(4);
    expect(dpSgdBudgetStop(config, accountant, next)).toMatch(/^privacy budget ε = 4 reached \(spent \d\.\d{3}\)$/);
    expect(dpSgdBudgetStop(resolveTaskConfig({ privacy: { dpSgd: { enabled: true } } }), accountant, next)).toBeNull();
  });
});
