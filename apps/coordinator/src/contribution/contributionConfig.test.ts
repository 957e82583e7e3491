import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '@flotilla/protocol';
import { resolveTaskConfig } from '../engine/taskConfig.ts';

const refusal = (input: Record<string, unknown>) => {
  try {
    resolveTaskConfig(input);
  } catch (err) {
    return err as { code: string; message: string };
  }
  throw new Error('not refused');
};

describe('contribution settings at creation', () => {
  it('fill every default, the reward split and the selection policy included', () => {
    expect(resolveTaskConfig({ contribution: { enabled: true } }).contribution).toEqual({
      enabled: true, method: 'gtg', validation: { examples: 1000 }, truncationTolerance: 0.005, roundTolerance: 0.001, convergenceTolerance: 0.05,
      maxPermutations: 50, reward: { kind: 'proportional', pool: 100, threshold: 0.05 }, selection: { policy: 'uniform', minRounds: 3, floorWeight: 0.1 },
    });
  });

  it('refuse a field of the wrong kind with FLT_INVALID_TASK naming it', () => {
    expect(refusal({ contribution: { enabled: true, reward: 5 } })).toMatchObject({ code: ErrorCodes.INVALID_TASK, message: expect.stringContaining('/contribution/reward') });
    expect(refusal({ contribution: { enabled: true, method: 'banzhaf' } })).toMatchObject({ code: ErrorCodes.INVALID_TASK, message: expect.stringContaining('/contribution/method') });
    expect(refusal({ contribution: { enabled: true, validation: { examples: 10 } } })).toMatchObject({ code: ErrorCodes.INVALID_TASK });
  });

  it('are not checked against the task while contribution is off', () => {
    expect(resolveTaskConfig({ contribution: { enabled: false }, privacy: { secureAggregation: { enabled: true } } }).contribution?.enabled).toBe(false);
  });

  it('refuse secure aggregation with FLT_CONTRIBUTION_INCOMPATIBLE, saying single updates are never visible', () => {
    expect(refusal({ contribution: { enabled: true }, privacy: { secureAggregation: { enabled: true } } })).toMatchObject({
      code: ErrorCodes.CONTRIBUTION_INCOMPATIBLE, message: expect.stringMatching(/never a single client's/),
    });
  });
});
