import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '@flotilla/protocol';
import { resolveTaskConfig } from '../engine/taskConfig.ts';
import { codeOf } from '../testing/codeOf.ts';
import { assertHierarchySupports, HIERARCHY_LIMITS } from './hierarchySupport.ts';

describe('what the edge hierarchy takes', () => {
  it('admits the default task and the server optimisers that apply a mean', () => {
    for (const name of ['fedavg', 'fedprox', 'fedavgm', 'fedadam', 'fedyogi', 'fedadagrad'] as const) {
      expect(() => assertHierarchySupports(resolveTaskConfig({ strategy: { name } }))).not.toThrow();
    }
  });

  it('refuses each setting it cannot honour, naming the field, with the code asked for', () => {
    const refused: Record<string, Record<string, unknown>> = {
      'privacy.secureAggregation': { privacy: { secureAggregation: { enabled: true } } },
      'privacy.differentialPrivacy': { privacy: { differentialPrivacy: { enabled: true } } },
      'strategy.name': { strategy: { name: 'fedmedian' } },
      'fit.work': { fit: { work: { kind: 'adaptive' } } },
      asynchronous: { asynchronous: { enabled: true } },
    };
    for (const [field, input] of Object.entries(refused)) {
      const config = resolveTaskConfig(input);
      expect(codeOf(() => assertHierarchySupports(config)), field).toBe(ErrorCodes.HIERARCHY_UNSUPPORTED);
      expect(() => assertHierarchySupports(config)).toThrow(field);
      expect(codeOf(() => assertHierarchySupports(config, ErrorCodes.INVALID_TASK))).toBe(ErrorCodes.INVALID_TASK);
    }
    expect(HIERARCHY_LIMITS.map((l) => l.field)).toEqual(expect.arrayContaining([...Object.keys(refused), 'personalization', 'contribution']));
  });
});
