import { describe, expect, it } from 'vitest';
import { ErrorCodes, FlotillaError } from '@flotilla/protocol';
import { DEFAULT_TASK_CONFIG, resolveTaskConfig } from './taskConfig.ts';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err instanceof FlotillaError ? err.code : 'other';
  }
  return 'none';
};

describe('resolveTaskConfig', () => {
  it('gives the McMahan et al. 2017 setting for an empty configuration', () => {
    const config = resolveTaskConfig({});
    expect(config).toEqual(DEFAULT_TASK_CONFIG);
    expect(config.data.partition).toEqual({ kind: 'iid', numClients: 100, seed: 1 });
    expect(config.fit).toMatchObject({ fractionFit: 0.1, epochs: 1, batchSize: 10 });
  });

  it('merges partial settings and replaces a partition or model whole', () => {
    const config = resolveTaskConfig({
      fit: { learningRate: 0.2 }, data: { partition: { kind: 'dirichlet', numClients: 10, seed: 2, alpha: 0.3 } }, model: { kind: 'mnist-cnn' },
    });
    expect(config.fit).toMatchObject({ learningRate: 0.2, batchSize: 10 });
    expect(config.data).toMatchObject({ partition: { kind: 'dirichlet', numClients: 10, seed: 2, alpha: 0.3 }, testLimit: 10_000 });
    expect(config.model).toEqual({ kind: 'mnist-cnn' });
  });

  it('completes DP-SGD settings with the TF Privacy tutorial defaults', () => {
    expect(resolveTaskConfig({ privacy: { dpSgd: { enabled: true, targetEpsilon: 3 } } }).privacy.dpSgd).toEqual({
      enabled: true, l2NormClip: 1, noiseMultiplier: 1.1, microbatchSize: 1, delta: 1e-5, targetEpsilon: 3,
    });
  });

  it('removes an optional setting given as null', () => {
    expect(resolveTaskConfig({ stop: { targetAccuracy: null } }).stop.targetAccuracy).toBeUndefined();
  });

  it('refuses invalid configurations with FLT_INVALID_TASK', () => {
    expect(codeOf(() => resolveTaskConfig('nope'))).toBe(ErrorCodes.INVALID_TASK);
    expect(codeOf(() => resolveTaskConfig({ fit: { fractionFit: 2 } }))).toBe(ErrorCodes.INVALID_TASK);
    expect(codeOf(() => resolveTaskConfig({ strategy: { name: 'fedmagic' } }))).toBe(ErrorCodes.INVALID_TASK);
    expect(codeOf(() => resolveTaskConfig({ fit: { minFitClients: 5, minAvailableClients: 2 } }))).toBe(ErrorCodes.INVALID_TASK);
    expect(codeOf(() => resolveTaskConfig({ privacy: { dpSgd: { enabled: true, microbatchSize: 0 } } }))).toBe(ErrorCodes.INVALID_TASK);
    expect(codeOf(() => resolveTaskConfig({
      privacy: { differentialPrivacy: { enabled: true }, dpSgd: { enabled: true } },
    }))).toBe(ErrorCodes.INVALID_TASK);
  });

  it('takes secure aggregation with defaults and refuses what it cannot run', () => {
    const secure = (s: Record<string, unknown>, strategy = 'fedavg') => resolveTaskConfig({ strategy: { name: strategy }, privacy: { secureAggregation: { enabled: true, ...s } } });
    expect(secure({}).privacy.secureAggregation).toEqual({ enabled: true, mode: 'plus', clip: 1, stageDeadlineMs: 15_000 });
    for (const robust of ['fedmedian', 'fedtrimmedavg', 'krum']) expect(codeOf(() => secure({}, robust))).toBe(ErrorCodes.INVALID_TASK);
    expect(secure({}, 'fedadam').strategy.name).toBe('fedadam');
    expect(codeOf(() => secure({ neighbours: 5 }))).toBe(ErrorCodes.INVALID_TASK);
    expect(codeOf(() => secure({ neighbours: 4, threshold: 6 }))).toBe(ErrorCodes.INVALID_TASK);
    expect(codeOf(() => secure({ mode: 'half' }))).toBe(ErrorCodes.INVALID_TASK);
  });

  it('refuses client-level DP with a robust strategy, which needs every update, and keeps the server optimisers', () => {
    const dp = (strategy: string) => resolveTaskConfig({ strategy: { name: strategy }, privacy: { differentialPrivacy: { enabled: true } } });
    for (const robust of ['fedmedian', 'fedtrimmedavg', 'krum']) {
      expect(codeOf(() => dp(robust))).toBe(ErrorCodes.INVALID_TASK);
      expect(() => dp(robust)).toThrow(/differential privacy releases only their clipped, noised mean/);
    }
    for (const kept of ['fedavg', 'fedprox', 'fedavgm', 'fedadam', 'fedyogi', 'fedadagrad']) expect(dp(kept).strategy.name).toBe(kept);
  });

  it('takes adaptive clipping with the paper\'s defaults, also under secure aggregation, and refuses too little count noise', () => {
    const adaptive = (a: Record<string, unknown>, rest: Record<string, unknown> = {}) => resolveTaskConfig({
      privacy: { differentialPrivacy: { enabled: true, adaptiveClipping: { enabled: true, ...a } }, ...rest },
    });
    // 100 clients × C = 0.1 → m = 10, σ_b = 0.5 would not exceed z/2 = 0.5 at the default z = 1.
    expect(codeOf(() => adaptive({}))).toBe(ErrorCodes.INVALID_TASK);
    expect(adaptive({ clippedCountStddev: 1 }).privacy.differentialPrivacy.adaptiveClipping).toEqual({
      enabled: true, targetQuantile: 0.5, learningRate: 0.2, clippedCountStddev: 1,
    });
    // Under SecAgg the clients mask their unclipped bits with the update (SecureRound).
    expect(adaptive({ clippedCountStddev: 1 }, { secureAggregation: { enabled: true } }).privacy.differentialPrivacy.adaptiveClipping?.enabled).toBe(true);
    expect(codeOf(() => adaptive({ targetQuantile: 1 }))).toBe(ErrorCodes.INVALID_TASK);
  });
});
