import { afterEach, describe, expect, it } from 'vitest';
import { createStrategy } from '@flotilla/core';
import { ErrorCodes, FlotillaError } from '@flotilla/protocol';
import { codeOf } from '../testing/codeOf.ts';
import { FakeClient, fakeEngine, fakeUpdate } from '../testing/fakeEngine.ts';
import { acceptClearReport } from './clearReport.ts';
import type { CollectorContext } from './collectors.ts';
import { capOnly } from './exampleCounts.ts';
import { RoundState } from './RoundState.ts';
import { resolveTaskConfig } from './taskConfig.ts';

const config = resolveTaskConfig({ data: { simulation: false } });
const open: RoundState[] = [];
afterEach(() => open.splice(0).forEach((rs) => rs.close('aborted')));

function round() {
  const engine = fakeEngine(config, 2);
  const rs = new RoundState('task-1', 3, 5, new Set(['a', 'b']), 2, Date.now() + 30_000);
  open.push(rs);
  const failures: [string, string, string | null][] = [];
  const ctx: CollectorContext = {
    deps: engine.deps, taskId: 'task-1', config, strategy: createStrategy({ name: 'fedavg' }), rs, global: new Float32Array([1, 1]), shapes: [[2]],
    exampleCounts: capOnly(config), sampleDp: null, onPhase: () => {},
    recordFailure: (clientId, outcome, code) => failures.push([clientId, outcome, code]),
  };
  return { ctx, rs, failures, engine };
}

const plan = { taskId: 'task-1', round: 3, modelVersion: 5 } as Parameters<typeof fakeUpdate>[0];
const message = (over: Partial<typeof plan> = {}) => fakeUpdate({ ...plan, ...over }, 10, Float32Array.from([0, 0])).message;

describe('acceptClearReport', () => {
  it('folds nothing from a report the round refuses, and records and announces one it takes', () => {
    const { ctx, rs, engine } = round();
    let folds = 0;
    const fold = () => { folds += 1; return { plannedSteps: 4, localSteps: 3 }; };
    expect(codeOf(() => acceptClearReport(ctx, new FakeClient('a', 10), message({ round: 2 }), 10, fold))).toBe(ErrorCodes.STALE_ROUND);
    expect(codeOf(() => acceptClearReport(ctx, new FakeClient('z', 10), message(), 10, fold))).toBe(ErrorCodes.NOT_SELECTED);
    expect(codeOf(() => acceptClearReport(ctx, new FakeClient('a', 10), message({ modelVersion: 4 }), 10, fold))).toBe(ErrorCodes.STALE_ROUND);
    expect(folds).toBe(0);
    acceptClearReport(ctx, new FakeClient('a', 10), message(), 10, fold);
    expect(codeOf(() => acceptClearReport(ctx, new FakeClient('a', 10), message(), 10, fold))).toBe(ErrorCodes.DUPLICATE_REPORT);
    expect(folds).toBe(1);
    expect(rs.reports.get('a')).toMatchObject({ numExamples: 10, plannedSteps: 4, localSteps: 3 });
    expect(engine.bus.of('round.report')).toHaveLength(1);
  });

  it('records a fold\'s refusal as the client\'s failure, with its code, and reports nothing', () => {
    const { ctx, rs, failures, engine } = round();
    const refused = () => { throw new FlotillaError(ErrorCodes.TENSOR_MISMATCH, 'shape'); };
    expect(codeOf(() => acceptClearReport(ctx, new FakeClient('a', 10), message(), 10, refused))).toBe(ErrorCodes.TENSOR_MISMATCH);
    expect(failures).toEqual([['a', 'rejected', ErrorCodes.TENSOR_MISMATCH]]);
    expect(rs.reports.size).toBe(0);
    expect(engine.bus.of('round.report')).toHaveLength(0);
  });
});
