import { describe, expect, it } from 'vitest';
import { toRoundLine } from './nodeFleet.ts';
import { formatEvaluationLine, formatRoundLine } from './report.ts';

// A round as the coordinator's event stream carries it.
const event = (patch: Record<string, unknown>) => ({
  round: 3, outcome: 'committed', reason: null, selected: 4, reported: 4, dropped: 0, failed: 0,
  testAccuracy: 0.812, testLoss: 0.61, delta: null, epsilon: null, startedAt: 1_000, endedAt: 3_100, ...patch,
});

describe('the fleet per-round line', () => {
  it('ends with the ε spent so far when the task records it', () => {
    const line = formatRoundLine(toRoundLine(event({ epsilon: 4.85123 })));
    expect(line).toMatch(/^round +3 +selected +4 +reported +4 +dropped +0 +acc 0\.8120 +loss 0\.6100 .* 2\.1 s +ε 4\.851$/);
  });

  it('shows the bytes the round carried up and down and the version it committed', () => {
    const line = formatRoundLine(toRoundLine(event({ bytesUp: 318_000, bytesDown: 1_272_000, modelVersion: 3 })));
    expect(line).toMatch(/↑ 318 kB ↓ 1\.27 MB +v3 +2\.1 s$/);
  });

  it('shows an asynchronous commit\'s buffer: its updates and their mean / largest staleness', () => {
    const line = formatRoundLine(toRoundLine(event({ modelVersion: 5, bytesUp: 400_000, bytesDown: 0, asynchronous: { bufferSize: 4, meanStaleness: 0.75, maxStaleness: 2 } })));
    expect(line).toMatch(/v5 +K 4 τ 0\.8\/2 +2\.1 s$/);
    expect(formatRoundLine(toRoundLine(event({ modelVersion: 3 })))).not.toContain('τ');
  });

  it('shows ε on an abandoned round too (its updates reached the coordinator) and none without DP', () => {
    expect(formatRoundLine(toRoundLine(event({ outcome: 'abandoned', reason: 'too few reports', epsilon: 1.5 })))).toMatch(/abandoned: too few reports +\(2\.1 s\) +ε 1\.500$/);
    expect(formatRoundLine(toRoundLine(event({})))).not.toContain('ε');
  });
});

describe('the fleet per-evaluation line', () => {
  it('shows the weighted metric, how many clients reported and their spread', () => {
    const line = formatEvaluationLine({ round: 3, metric: 'accuracy', accuracy: 0.812, clients: 4, spread: { min: 0.75, p10: 0.76, median: 0.82, max: 0.9, std: 0.05 } });
    expect(line).toBe('evaluation of round 3: accuracy 0.8120 on 4 clients (min 0.7500, median 0.8200, max 0.9000)');
  });

  it('names a regression\'s metric, and says so when nobody reported', () => {
    expect(formatEvaluationLine({ round: 0, metric: 'mse', mse: 1.5, clients: 2, spread: null })).toBe('evaluation of round 0: mse 1.5000 on 2 clients');
    expect(formatEvaluationLine({ round: 1, metric: 'accuracy', accuracy: null, clients: 0, spread: null })).toBe('evaluation of round 1: accuracy — on 0 clients');
  });
});
