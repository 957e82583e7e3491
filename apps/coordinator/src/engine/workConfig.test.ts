// Tests for device-aware work in a task configuration: defaults, the combinations refused at
// creation (naming the field), and FedNova standing in for FedAvg under adaptive work.
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '@flotilla/protocol';
import { codeOf } from '../testing/codeOf.ts';
import { buildStrategy } from './strategyFromTask.ts';
import { resolveTaskConfig } from './taskConfig.ts';

const adaptive = (extra: object = {}) => ({ fit: { work: { kind: 'adaptive' } }, ...extra });
const messageOf = (f: () => unknown): string => { try { f(); } catch (e) { return (e as Error).message; } return ''; };

describe('fit.work', () => {
  it('fills the schema defaults for what an adaptive work setting leaves out', () => {
    expect(resolveTaskConfig(adaptive()).fit.work).toEqual({ kind: 'adaptive', deadlineFraction: 0.8, minSteps: 1, acceptPartial: true, selection: 'uniform' });
  });

  it('aggregates FedAvg and FedProx as FedNova under adaptive work, and FedAvg as itself under fixed work', () => {
    expect(buildStrategy(resolveTaskConfig(adaptive())).name).toBe('fednova');
    expect(buildStrategy(resolveTaskConfig(adaptive({ strategy: { name: 'fedprox' } }))).name).toBe('fednova');
    expect(buildStrategy(resolveTaskConfig({ fit: { work: { kind: 'fixed' } } })).name).toBe('fedavg');
  });

  it('refuses adaptive work with a strategy, secure aggregation or differential privacy that cannot normalise by steps', () => {
    const refused = [
      adaptive({ strategy: { name: 'fedadam' } }),
      adaptive({ privacy: { secureAggregation: { enabled: true } } }),
      adaptive({ privacy: { differentialPrivacy: { enabled: true } } }),
      adaptive({ privacy: { dpSgd: { enabled: true } } }),
      { fit: { work: { selection: 'likelyToFinish' } }, privacy: { differentialPrivacy: { enabled: true } } },
    ];
    for (const input of refused) {
      expect(codeOf(() => resolveTaskConfig(input))).toBe(ErrorCodes.INVALID_TASK);
      expect(messageOf(() => resolveTaskConfig(input))).toMatch(/fit\.work\.(kind|selection)/);
    }
  });

  it('refuses fednova with secure aggregation: the sum has lost each update\'s steps', () => {
    expect(codeOf(() => resolveTaskConfig({ strategy: { name: 'fednova' }, privacy: { secureAggregation: { enabled: true } } }))).toBe(ErrorCodes.INVALID_TASK);
  });
});
