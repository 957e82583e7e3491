import { describe, expect, it } from 'vitest';
import type { RoundPlan } from '@flotilla/protocol';
import { fakeEngine } from '../testing/fakeEngine.ts';
import { planDecorators, type PlanContext, type PlanDecoratorEntry } from './planDecorators.ts';
import { resolveTaskConfig } from './taskConfig.ts';

const config = resolveTaskConfig({});
const source = { taskId: 't', config, deps: fakeEngine(config, 1).deps };
const plan = { type: 'round.plan', round: 1, fit: { epochs: 1 } } as unknown as RoundPlan;
const ctx = (clientId: string): PlanContext => ({ round: 1, client: undefined, clientId, collector: 'plain' });

describe('planDecorators', () => {
  it('passes a client\'s plan through the registered decorators in order, leaving the base plan as it was', () => {
    const entries: PlanDecoratorEntry[] = [
      { name: 'work', create: () => (p, c) => ({ ...p, fit: { ...p.fit, localSteps: c.clientId === 'slow' ? 2 : 8 } }) },
      { name: 'codec', create: () => (p) => ({ ...p, fit: { ...p.fit, uplink: { codec: 'float16' as const } } }) },
    ];
    const decorate = planDecorators(source, entries);
    expect(decorate(plan, ctx('slow')).fit).toEqual({ epochs: 1, localSteps: 2, uplink: { codec: 'float16' } });
    expect(decorate(plan, ctx('fast')).fit).toMatchObject({ localSteps: 8 });
    expect(plan.fit).toEqual({ epochs: 1 });
  });

  it('leaves out a decorator whose concern the task does not use', () => {
    const decorate = planDecorators(source, [{ name: 'personalisation', create: () => null }]);
    expect(decorate(plan, ctx('a'))).toBe(plan);
  });
});
