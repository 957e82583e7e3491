import { describe, expect, it } from 'vitest';
import { summarisePersonalization, type PersonalReport } from './personalizationSummary.ts';

const acc = (accuracy: number) => ({ loss: 1 - accuracy, accuracy });

describe('summarisePersonalization', () => {
  it('counts the clients whose personal model beats the global one, and both, and the mean accuracy gain', () => {
    const reports: PersonalReport[] = [
      { clientId: 'a', metrics: acc(0.5), personal: acc(0.9), localOnly: acc(0.7) }, // beats both
      { clientId: 'b', metrics: acc(0.6), personal: acc(0.7), localOnly: acc(0.8) }, // beats the global only
      { clientId: 'c', metrics: acc(0.8), personal: acc(0.7), localOnly: acc(0.6) }, // beats neither
      { clientId: 'd', metrics: acc(0.4) }, // no personal model yet: not counted
    ];
    const summary = summarisePersonalization(reports, 'ditto', 'accuracy');
    expect(summary.clients).toBe(3);
    expect(summary.beatsGlobal).toBeCloseTo(2 / 3);
    expect(summary.beatsBoth).toBeCloseTo(1 / 3);
    expect(summary.meanGain).toBeCloseTo((0.4 + 0.1 - 0.1) / 3);
    expect(summary.meanGlobal).toBeCloseTo((0.5 + 0.6 + 0.8) / 3);
    expect(summary.meanLocalOnly).toBeCloseTo(0.7);
    expect(summary.perClient.map((c) => c.clientId)).toEqual(['a', 'b', 'c']);
  });

  it('for a regression a lower error is better and the gain is global − personal', () => {
    const reports: PersonalReport[] = [
      { clientId: 'a', metrics: { loss: 4, mse: 4, mae: 2 }, personal: { loss: 1, mse: 1, mae: 1 } },
      { clientId: 'b', metrics: { loss: 1, mse: 1, mae: 1 }, personal: { loss: 2, mse: 2, mae: 1.5 } },
    ];
    const summary = summarisePersonalization(reports, 'finetune', 'mse');
    expect(summary.beatsGlobal).toBe(0.5);
    expect(summary.meanGain).toBe(1); // (3 + −1) / 2
    // Without local-only reports there is nothing to beat "both" of.
    expect(summary.beatsBoth).toBeNull();
    expect(summary.perClient[0]!.localOnly).toBeNull();
  });

  it('with no personal reports the shares and means are null', () => {
    const summary = summarisePersonalization([{ clientId: 'a', metrics: acc(0.5) }], 'fedper', 'accuracy');
    expect(summary).toMatchObject({ clients: 0, beatsGlobal: null, beatsBoth: null, meanGain: null, perClient: [] });
  });
});
