import { describe, expect, it } from 'vitest';
import { ErrorCodes, FlotillaError } from '@flotilla/protocol';
import { DEFAULT_TASK_CONFIG, resolveTaskConfig } from './taskConfig.ts';
import { codeOf } from '../testing/codeOf.ts';

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

  it('refuses differential privacy without noise, whose ε no round record could hold, and takes it switched off', () => {
    expect(() => resolveTaskConfig({ privacy: { differentialPrivacy: { enabled: true, noiseMultiplier: 0 } } }))
      .toThrow(/privacy\.differentialPrivacy\.noiseMultiplier must be above 0/);
    expect(() => resolveTaskConfig({ privacy: { dpSgd: { enabled: true, noiseMultiplier: 0 } } }))
      .toThrow(/privacy\.dpSgd\.noiseMultiplier must be above 0/);
    expect(resolveTaskConfig({ privacy: { differentialPrivacy: { enabled: false, noiseMultiplier: 0 } } }).privacy.differentialPrivacy.enabled).toBe(false);
  });

  it('takes secure aggregation with defaults and refuses what it cannot run', () => {
    const secure = (s: Record<string, unknown>, strategy = 'fedavg') => resolveTaskConfig({ strategy: { name: strategy }, privacy: { secureAggregation: { enabled: true, ...s } } });
    expect(secure({}).privacy.secureAggregation).toEqual({ enabled: true, mode: 'plus', clip: 1, stageDeadlineMs: 15_000 });
    for (const robust of ['fedmedian', 'fedtrimmedavg', 'krum', 'centeredclip']) expect(codeOf(() => secure({}, robust))).toBe(ErrorCodes.INVALID_TASK);
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

  it('caps the examples per client, 60,000 unless the task says otherwise, and refuses a cap that is not a count', () => {
    expect(resolveTaskConfig({}).limits.maxExamplesPerClient).toBe(60_000);
    expect(resolveTaskConfig({ limits: { maxExamplesPerClient: 600 } }).limits).toEqual({ maxUpdateNorm: 1000, maxExamplesPerClient: 600 });
    expect(codeOf(() => resolveTaskConfig({ limits: { maxExamplesPerClient: 0 } }))).toBe(ErrorCodes.INVALID_TASK);
    expect(codeOf(() => resolveTaskConfig({ limits: { maxExamplesPerClient: 1.5 } }))).toBe(ErrorCodes.INVALID_TASK);
    expect(codeOf(() => resolveTaskConfig({ limits: { maxExamplesPerClient: 2 ** 32 } }))).toBe(ErrorCodes.INVALID_TASK);
  });

  it('refuses a secure-aggregation plan whose weight word could wrap 2^32', () => {
    // Arrange: 1000 clients, C = 0.5, over-selection 1.5 → 750 masked inputs per round.
    const plan = (maxExamplesPerClient: number, dp = false) => () => resolveTaskConfig({
      data: { partition: { kind: 'iid', numClients: 1000, seed: 1 } },
      fit: { fractionFit: 0.5, overSelection: 1.5 },
      limits: { maxExamplesPerClient },
      privacy: { secureAggregation: { enabled: true }, differentialPrivacy: { enabled: dp } },
    });
    // Act / Assert: 750 × 5,726,624 = 4,294,968,000 ≥ 2^32 = 4,294,967,296; 750 × 5,726,623 < 2^32.
    let message = '';
    try {
      plan(5_726_624)();
    } catch (err) {
      message = (err as Error).message;
      expect((err as FlotillaError).code).toBe(ErrorCodes.INVALID_TASK);
    }
    expect(message).toContain('750 clients per round');
    expect(message).toContain('limits.maxExamplesPerClient');
    expect(codeOf(plan(5_726_623))).toBe('none');
    // Under DP every weight is 1: the cap does not enter the sum.
    expect(codeOf(plan(5_726_624, true))).toBe('none');
    // Without SecAgg there is no fixed-point sum to wrap.
    expect(codeOf(() => resolveTaskConfig({ limits: { maxExamplesPerClient: 2 ** 32 - 1 } }))).toBe('none');
  });

  it('takes centered clipping\'s τ, L and β and refuses out-of-range ones', () => {
    expect(resolveTaskConfig({ strategy: { name: 'centeredclip', clipRadius: 0.3, clipIterations: 2, clipMomentum: 0.5 } }).strategy)
      .toEqual({ name: 'centeredclip', clipRadius: 0.3, clipIterations: 2, clipMomentum: 0.5 });
    expect(codeOf(() => resolveTaskConfig({ strategy: { name: 'centeredclip', clipRadius: 0 } }))).toBe(ErrorCodes.INVALID_TASK);
    expect(codeOf(() => resolveTaskConfig({ strategy: { name: 'centeredclip', clipIterations: 0 } }))).toBe(ErrorCodes.INVALID_TASK);
    expect(codeOf(() => resolveTaskConfig({ strategy: { name: 'centeredclip', clipMomentum: 1 } }))).toBe(ErrorCodes.INVALID_TASK);
  });
});
