import { describe, expect, it } from 'vitest';
import { describePersonalization, personalizationHeadline } from './personalizationView.ts';

const base = { fineTuneEpochs: 1, headEpochs: 2, lambda: 0.1, localBaseline: true };

describe('personalization view', () => {
  it('says what each mode keeps on the clients', () => {
    expect(describePersonalization({ ...base, mode: 'fedper', head: { lastLayers: 1 } })).toContain('the last 1 layer(s) stay on each client and are never sent');
    expect(describePersonalization({ ...base, mode: 'fedrep', head: { names: ['output'] } })).toContain('FedRep (2 head epoch(s) first): output');
    expect(describePersonalization({ ...base, mode: 'ditto', localBaseline: false })).toBe('Ditto (λ = 0.1): a personal model per client, pulled towards the global one');
  });

  it('headlines the shares and the mean gain, in points for accuracy', () => {
    const summary = { mode: 'ditto' as const, clients: 4, beatsGlobal: 0.75, beatsBoth: 0.5, meanGain: 0.123, meanGlobal: 0.5, meanPersonal: 0.623, meanLocalOnly: 0.6, perClient: [] };
    expect(personalizationHeadline(summary, 'accuracy')).toBe('personal beats global on 75.0 % of 4 clients, beats global and local-only on 50.0 %; mean gain +12.3 pts');
    expect(personalizationHeadline({ ...summary, beatsBoth: null, meanGain: -0.5 }, 'mse')).toBe('personal beats global on 75.0 % of 4 clients; mean gain -0.5000');
    expect(personalizationHeadline({ ...summary, clients: 0 }, 'accuracy')).toBe('no client has reported a personal model yet');
  });
});
