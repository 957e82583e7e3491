import { afterEach, describe, expect, it } from 'vitest';
import { createStrategy, type StrategyConfig } from '@flotilla/core';
import { ErrorCodes } from '@flotilla/protocol';
import { codeOf } from '../testing/codeOf.ts';
import { FakeClient, fakeEngine, fakeUpdate } from '../testing/fakeEngine.ts';
import type { CollectorContext } from './collectors.ts';
import { capOnly } from './exampleCounts.ts';
import { PlainCollector, finishAggregation } from './PlainCollector.ts';
import { RoundState } from './RoundState.ts';
import { resolveTaskConfig } from './taskConfig.ts';

const config = resolveTaskConfig({ data: { simulation: false } });
const open: RoundState[] = [];
afterEach(() => open.splice(0).forEach((rs) => rs.close('aborted')));

function collector(selected: string[], goal: number, strategy: StrategyConfig = { name: 'fedavg' }) {
  const engine = fakeEngine(config, 2);
  const rs = new RoundState('task-1', 3, 5, new Set(selected), goal, Date.now() + 30_000);
  open.push(rs);
  const failures: [string, string, string | null][] = [];
  const ctx: CollectorContext = {
    deps: engine.deps, taskId: 'task-1', config, strategy: createStrategy(strategy), rs, global: new Float32Array([1, 1]), shapes: [[2]],
    exampleCounts: capOnly(config), sampleDp: null, onPhase: () => {},
    recordFailure: (clientId, outcome, code) => {
      failures.push([clientId, outcome, code]);
      rs.addFailure(clientId, outcome, code);
    },
  };
  return { plain: new PlainCollector(ctx), rs, failures, engine };
}

const plan = { taskId: 'task-1', round: 3, modelVersion: 5 } as Parameters<typeof fakeUpdate>[0];
const update = (values: number[], numExamples = 10, over: Partial<typeof plan> = {}) => fakeUpdate({ ...plan, ...over }, numExamples, Float32Array.from(values));

describe('PlainCollector', () => {
  it('refuses what is not this round\'s report from a selected client on the round\'s model, with codes', () => {
    const { plain, engine } = collector(['a', 'b'], 2);
    const a = new FakeClient('a', 10);
    const send = (client: FakeClient, u: ReturnType<typeof update>) => codeOf(() => plain.acceptUpdate(client, u.message, u.tensors, 10));
    expect(send(a, update([0, 0], 10, { round: 2 }))).toBe(ErrorCodes.STALE_ROUND);
    expect(send(new FakeClient('z', 10), update([0, 0]))).toBe(ErrorCodes.NOT_SELECTED);
    expect(send(a, update([0, 0], 10, { modelVersion: 4 }))).toBe(ErrorCodes.STALE_ROUND);
    expect(send(a, update([0, 0]))).toBe('none');
    expect(send(a, update([0, 0]))).toBe(ErrorCodes.DUPLICATE_REPORT);
    expect(engine.bus.of('round.report')).toHaveLength(1);
  });

  it('records an update that does not fit the model as the client\'s failure, and keeps it out of the aggregate', async () => {
    const { plain, failures, rs } = collector(['a', 'b'], 2);
    const bad = update([0, 0, 0]);
    expect(codeOf(() => plain.acceptUpdate(new FakeClient('a', 10), bad.message, bad.tensors, 10))).toBe(ErrorCodes.TENSOR_MISMATCH);
    const good = update([2, 4]);
    plain.acceptUpdate(new FakeClient('b', 10), good.message, good.tensors, 10);
    expect(failures).toEqual([['a', 'rejected', ErrorCodes.TENSOR_MISMATCH]]);
    expect(await plain.upload()).toEqual({ kind: 'closed' });
    expect(rs.bytesUp).toBe(20);
    const result = await plain.aggregate([{ clientId: 'a', reason: 'rejected' }]);
    expect(result.kind === 'aggregated' && Array.from(result.weights)).toEqual([3, 5]);
  });

  it('closes at the goal and aggregates by example count', async () => {
    const { plain } = collector(['a', 'b', 'c'], 2);
    const first = update([1, 1], 10);
    const second = update([4, 4], 30);
    plain.acceptUpdate(new FakeClient('a', 10), first.message, first.tensors, 10);
    plain.acceptUpdate(new FakeClient('b', 30), second.message, second.tensors, 10);
    expect(await plain.upload()).toEqual({ kind: 'closed' });
    const result = await plain.aggregate([]);
    expect(result.kind === 'aggregated' && Array.from(result.weights)).toEqual([1 + 3.25, 1 + 3.25]);
  });

  it('reports an abort, and a strategy that keeps the model (Krum short of n ≥ 2f + 3) as a failed aggregation', async () => {
    const aborted = collector(['a', 'b'], 2);
    aborted.rs.close('aborted');
    expect(await aborted.plain.upload()).toEqual({ kind: 'aborted' });

    const krum = collector(['a', 'b'], 2, { name: 'krum', f: 1 });
    for (const id of ['a', 'b']) {
      const u = update([1, 1]);
      krum.plain.acceptUpdate(new FakeClient(id, 10), u.message, u.tensors, 10);
    }
    expect(await krum.plain.aggregate([])).toEqual({ kind: 'failed', reason: 'the strategy kept the model' });
  });

  it('turns a strategy that throws on finishing into a failed aggregation with its message', () => {
    expect(finishAggregation(() => {
      throw new Error('n = 2 < 2f + 3');
    })).toEqual({ kind: 'failed', reason: 'aggregation failed: n = 2 < 2f + 3' });
  });

  it('takes no SecAgg message: the round is not a secure one', () => {
    const { plain } = collector(['a'], 1);
    const message = { type: 'secagg.advertise', taskId: 'task-1', round: 3, encryptionPublicKey: 'AA', maskingPublicKey: 'AA' } as const;
    expect(codeOf(() => plain.acceptSecAgg(new FakeClient('a', 10), message))).toBe(ErrorCodes.STALE_ROUND);
  });
});
