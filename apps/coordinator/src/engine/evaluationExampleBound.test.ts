// A client's evaluation report claiming the task's whole example cap (red team): the weighted
// federated metric is weighted by numExamples, so one such report outweighed every honest client.
// Reports are now bounded by what the client announced, as fit reports are, with a bound that
// every honest split (splitClientExamples) stays within.

import { describe, expect, it } from 'vitest';
import { splitClientExamples } from '@flotilla/data';
import { ErrorCodes, MNIST_SCHEMA, type EvaluationReport } from '@flotilla/protocol';
import { codeOf } from '../testing/codeOf.ts';
import { FederatedEvaluation } from './FederatedEvaluation.ts';
import { heldOutLimit } from './FederatedEvaluator.ts';

const report = (numExamples: number): EvaluationReport => ({
  type: 'evaluation', taskId: 't', round: 1, modelVersion: 1, numExamples, metrics: { loss: 0.1, accuracy: 0.99 },
});

describe('the held-out example count a client may report', () => {
  it('admits every honest split, whether the client announced its training part or its whole partition', () => {
    for (const fraction of [0.01, 0.1, 0.2, 0.25, 1 / 3, 0.5]) {
      for (let n = 2; n <= 400; n++) {
        const { train, test } = splitClientExamples(Uint32Array.from({ length: n }, (_, i) => i), fraction, n);
        expect(test.length).toBeLessThanOrEqual(heldOutLimit(train.length, fraction));
        expect(test.length).toBeLessThanOrEqual(heldOutLimit(n, fraction));
      }
    }
  });

  it('refuses a report past what the client announced, and counts the client as answered without its report', () => {
    const ev = new FederatedEvaluation('t', 1, 1, new Set(['honest', 'liar']), Date.now() + 60_000, { schema: MNIST_SCHEMA, maxExamples: 60_000 });
    // Both announced 80 training examples at a held-out share of 0.2: about 20 held out.
    ev.accept('honest', report(20), heldOutLimit(80, 0.2));

    expect(codeOf(() => ev.accept('liar', report(60_000), heldOutLimit(80, 0.2)))).toBe(ErrorCodes.BAD_EXAMPLE_COUNT);
    expect([...ev.reports.keys()]).toEqual(['honest']);
    expect(ev.clientRecords().find((r) => r.clientId === 'liar')).toMatchObject({ outcome: 'rejected', code: ErrorCodes.BAD_EXAMPLE_COUNT, numExamples: null });
  });

  it('keeps the task cap for a client that announced nothing', () => {
    expect(heldOutLimit(null, 0.2)).toBe(Number.POSITIVE_INFINITY);
    const ev = new FederatedEvaluation('t', 1, 1, new Set(['a']), Date.now() + 60_000, { schema: MNIST_SCHEMA, maxExamples: 100 });
    expect(codeOf(() => ev.accept('a', report(101), heldOutLimit(null, 0.2)))).toBe(ErrorCodes.BAD_EXAMPLE_COUNT);
  });
});
