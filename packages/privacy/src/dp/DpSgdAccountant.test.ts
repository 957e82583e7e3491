import { describe, expect, it } from 'vitest';
import { DpSgdAccountant } from './DpSgdAccountant.ts';
import { RdpAccountant } from './RdpAccountant.ts';

const options = { noiseMultiplier: 1.1, delta: 1e-5, epochs: 2, batchSize: 10 };

describe('DpSgdAccountant', () => {
  it('composes E·⌈n/B⌉ steps at q = B/n per update, as the RDP accountant (checked against Opacus) does', () => {
    const acc = new DpSgdAccountant(options);
    acc.recordUpdate('a', 95);
    acc.recordUpdate('a', 95);
    acc.recordUpdate('a', 95);

    // 2 epochs · ⌈95/10⌉ = 20 steps per round, 3 rounds.
    const reference = new RdpAccountant();
    reference.step(1.1, 10 / 95, 60);
    expect(acc.epsilonSpent()).toBeCloseTo(reference.getEpsilon(1e-5), 10);
  });

  it('reports the most exposed example: the client with the most rounds or the fewest examples', () => {
    const acc = new DpSgdAccountant(options);
    acc.recordUpdate('big', 1000);
    acc.recordUpdate('small', 50);
    acc.recordUpdate('big', 1000);

    const small = new RdpAccountant();
    small.step(1.1, 10 / 50, 10);
    const big = new RdpAccountant();
    big.step(1.1, 10 / 1000, 400);
    expect(acc.epsilonSpent()).toBeCloseTo(Math.max(small.getEpsilon(1e-5), big.getEpsilon(1e-5)), 10);
    // A client that sat out costs nothing: ε does not grow with the number of clients.
    const one = new DpSgdAccountant(options);
    one.recordUpdate('small', 50);
    expect(acc.epsilonSpent()).toBeGreaterThanOrEqual(one.epsilonSpent());
  });

  it('previews the next round without recording it, ignoring clients of unknown size', () => {
    const acc = new DpSgdAccountant(options);
    acc.recordUpdate('a', 100);
    const before = acc.epsilonSpent();

    const preview = acc.epsilonAfterRound([{ clientId: 'a', numExamples: 100 }, { clientId: 'b', numExamples: null }]);

    const twice = new DpSgdAccountant(options);
    twice.recordUpdate('a', 100);
    twice.recordUpdate('a', 100);
    expect(preview).toBeCloseTo(twice.epsilonSpent(), 12);
    expect(preview).toBeGreaterThan(before);
    expect(acc.epsilonSpent()).toBe(before);
    expect(acc.epsilonAfterRound([])).toBe(before);
  });

  it('is 0 before any update and needs valid settings', () => {
    expect(new DpSgdAccountant(options).epsilonSpent()).toBe(0);
    expect(() => new DpSgdAccountant({ ...options, delta: 0 })).toThrow(/delta/);
    expect(() => new DpSgdAccountant({ ...options, batchSize: 0 })).toThrow(/batch size/);
    expect(() => new DpSgdAccountant(options).recordUpdate('a', 0)).toThrow(/example count/);
  });
});
