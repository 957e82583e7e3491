// Tests for the creation-time checks of asynchronous (FedBuff) tasks.
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '@flotilla/protocol';
import { resolveTaskConfig } from './taskConfig.ts';
import { codeOf } from '../testing/codeOf.ts';

const asyncTask = (extra: Record<string, unknown> = {}, spec: Record<string, unknown> = {}) =>
  resolveTaskConfig({ asynchronous: { enabled: true, ...spec }, ...extra });

describe('asynchronous task configuration', () => {
  it('fills the FedBuff defaults an operator leaves out', () => {
    expect(asyncTask({}, { bufferSize: 4 }).asynchronous).toEqual({
      enabled: true, bufferSize: 4, concurrency: 20, maxStaleness: 20, stalenessWeighting: 'polynomial', stalenessExponent: 0.5, hingeAt: 10, serverLearningRate: 1,
    });
  });

  it('runs with the strategies on the mean, client-level DP and the robust rules per buffer', () => {
    for (const name of ['fedavg', 'fedprox', 'fedavgm', 'fedadam', 'fedyogi', 'fedadagrad']) {
      expect(asyncTask({ strategy: { name } }).strategy.name).toBe(name);
    }
    for (const name of ['fedmedian', 'fedtrimmedavg', 'centeredclip']) {
      expect(asyncTask({ strategy: { name }, fit: { minAvailableClients: 10 } }).strategy.name).toBe(name);
    }
    expect(asyncTask({ strategy: { name: 'krum', byzantine: 1 }, fit: { minAvailableClients: 5 } }, { bufferSize: 5 }).asynchronous?.bufferSize).toBe(5);
    expect(asyncTask({ privacy: { differentialPrivacy: { enabled: true } }, fit: { minAvailableClients: 10 } }).privacy.differentialPrivacy.enabled).toBe(true);
    expect(asyncTask({}, { serverLearningRate: 0.5 }).asynchronous?.serverLearningRate).toBe(0.5);
  });

  it('refuses secure aggregation, DP-SGD and federated evaluation, naming the field', () => {
    const refusals = [
      () => asyncTask({ privacy: { secureAggregation: { enabled: true } } }),
      () => asyncTask({ privacy: { dpSgd: { enabled: true } } }),
      () => asyncTask({ evaluation: { federated: {} } }),
    ];
    for (const refusal of refusals) expect(codeOf(refusal)).toBe(ErrorCodes.INVALID_TASK);
    expect(refusals[0]).toThrow(/privacy\.secureAggregation/);
    expect(refusals[1]).toThrow(/privacy\.dpSgd/);
    expect(refusals[2]).toThrow(/evaluation\.federated/);
  });

  it('refuses a server learning rate the strategy cannot apply, and a buffer too small for Krum', () => {
    expect(() => asyncTask({ strategy: { name: 'fedmedian' } }, { serverLearningRate: 0.5 })).toThrow(/asynchronous\.serverLearningRate/);
    expect(() => asyncTask({ privacy: { differentialPrivacy: { enabled: true } }, fit: { minAvailableClients: 10 } }, { serverLearningRate: 2 })).toThrow(/asynchronous\.serverLearningRate/);
    // Under DP each client is in a buffer once: K distinct clients must be connected before plans go out.
    expect(() => asyncTask({ privacy: { differentialPrivacy: { enabled: true } }, fit: { minAvailableClients: 4 } }, { bufferSize: 5 })).toThrow(/asynchronous\.bufferSize 5 exceeds fit\.minAvailableClients 4/);
    // A robust rule takes each client once per buffer too: three connected clients can never fill five places.
    expect(() => asyncTask({ strategy: { name: 'fedmedian' }, fit: { minAvailableClients: 3 } }, { bufferSize: 5 })).toThrow(/asynchronous\.bufferSize 5 exceeds fit\.minAvailableClients 3: under strategy fedmedian/);
    expect(codeOf(() => asyncTask({ strategy: { name: 'krum', byzantine: 1 } }, { bufferSize: 4 }))).toBe(ErrorCodes.INVALID_TASK);
    expect(() => asyncTask({ strategy: { name: 'krum', byzantine: 1 } }, { bufferSize: 4 })).toThrow(/asynchronous\.bufferSize 4 is too small for Krum/);
  });

  it('leaves a synchronous task as it was', () => {
    expect(resolveTaskConfig({ privacy: { secureAggregation: { enabled: true } } }).asynchronous).toBeUndefined();
    expect(resolveTaskConfig({ asynchronous: { enabled: false }, privacy: { secureAggregation: { enabled: true } } }).asynchronous?.enabled).toBe(false);
  });
});
