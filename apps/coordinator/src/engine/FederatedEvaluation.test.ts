import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorCodes, MNIST_SCHEMA, type EvaluationReport } from '@flotilla/protocol';
import { codeOf } from '../testing/codeOf.ts';
import { FederatedEvaluation } from './FederatedEvaluation.ts';

const report = (overrides: Partial<EvaluationReport> = {}): EvaluationReport => ({
  type: 'evaluation', taskId: 't', round: 3, modelVersion: 3, numExamples: 20, metrics: { loss: 0.4, accuracy: 0.9 }, ...overrides,
});
const open = (asked = ['a', 'b', 'c'], deadline = Date.now() + 60_000) =>
  new FederatedEvaluation('t', 3, 3, new Set(asked), deadline, { schema: MNIST_SCHEMA, maxExamples: 1000 });

describe('FederatedEvaluation', () => {
  afterEach(() => vi.useRealTimers());

  it('refuses reports it did not ask for, of another round or model, and a second report', () => {
    const ev = open();
    expect(codeOf(() => ev.accept('z', report()))).toBe(ErrorCodes.NOT_SELECTED);
    expect(codeOf(() => ev.accept('a', report({ round: 2 })))).toBe(ErrorCodes.STALE_ROUND);
    expect(codeOf(() => ev.accept('a', report({ modelVersion: 2 })))).toBe(ErrorCodes.STALE_ROUND);
    // Neither settles the client: its real report still counts.
    ev.accept('a', report());
    expect(codeOf(() => ev.accept('a', report()))).toBe(ErrorCodes.DUPLICATE_REPORT);
    expect(ev.reports.size).toBe(1);
    ev.close('aborted');
  });

  it('rejects an impossible example count, a non-finite metric and a missing accuracy, and counts them as answered', async () => {
    const ev = open();
    expect(codeOf(() => ev.accept('a', report({ numExamples: 1001 })))).toBe(ErrorCodes.BAD_EXAMPLE_COUNT);
    expect(codeOf(() => ev.accept('b', report({ metrics: { loss: Number.POSITIVE_INFINITY, accuracy: 0.5 } })))).toBe(ErrorCodes.NON_FINITE);
    expect(codeOf(() => ev.accept('c', report({ metrics: { loss: 0.1 } })))).toBe(ErrorCodes.EVALUATION_METRICS);
    expect(await ev.closed).toBe('settled');
    expect(ev.reports.size).toBe(0);
    expect(ev.clientRecords().map((r) => [r.clientId, r.outcome, r.code])).toEqual([
      ['a', 'rejected', ErrorCodes.BAD_EXAMPLE_COUNT], ['b', 'rejected', ErrorCodes.NON_FINITE], ['c', 'rejected', ErrorCodes.EVALUATION_METRICS],
    ]);
  });

  it('closes when every asked client answered, or at its deadline with the silent ones recorded', async () => {
    const ev = open(['a', 'b']);
    ev.accept('a', report());
    ev.fail('b', 'failed', ErrorCodes.TRAINING_FAILED);
    expect(await ev.closed).toBe('settled');

    vi.useFakeTimers();
    const late = open(['a', 'b'], Date.now() + 5_000);
    late.accept('a', report());
    vi.advanceTimersByTime(5_000);
    expect(await late.closed).toBe('deadline');
    expect(late.clientRecords().find((r) => r.clientId === 'b')).toMatchObject({ outcome: 'deadline', metrics: null });
    expect(codeOf(() => late.accept('b', report()))).toBe(ErrorCodes.STALE_ROUND);
  });
});
