// What the dashboard says of a personalised task's evaluations, as text: the mode in a phrase,
// and the latest evaluation's headline (shares beating the global and local-only models, mean gain).

import type { PersonalizationSpec, PersonalizationSummary } from '@flotilla/protocol';

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)} %`);

/**
 * The task's personalisation in a phrase.
 * @example describePersonalization({ mode: 'ditto', lambda: 0.1, ... }) // 'Ditto (λ = 0.1): a personal model per client, pulled towards the global one'
 */
export function describePersonalization(spec: PersonalizationSpec): string {
  const baseline = spec.localBaseline ? '; clients also train a local-only model to compare with' : '';
  switch (spec.mode) {
    case 'none':
      return 'no personalisation';
    case 'finetune':
      return `fine-tuning: each client fine-tunes the global model for ${spec.fineTuneEpochs} epoch(s) before evaluating${baseline}`;
    case 'fedper':
    case 'fedrep': {
      const head = spec.head ? ('lastLayers' in spec.head ? `the last ${spec.head.lastLayers} layer(s)` : spec.head.names.join(', ')) : 'no head';
      const name = spec.mode === 'fedper' ? 'FedPer' : `FedRep (${spec.headEpochs} head epoch(s) first)`;
      return `${name}: ${head} stay on each client and are never sent; the global head is not trained${baseline}`;
    }
    case 'ditto':
      return `Ditto (λ = ${spec.lambda}): a personal model per client, pulled towards the global one${baseline}`;
    default: {
      const never: never = spec.mode;
      throw new Error(`unknown mode ${String(never)}`);
    }
  }
}

/**
 * The latest evaluation's headline.
 * @example personalizationHeadline(summary) // 'personal beats global on 80.0 % of 10 clients, beats global and local-only on 60.0 %; mean gain +12.3 pts'
 */
export function personalizationHeadline(summary: PersonalizationSummary, metric: string): string {
  if (summary.clients === 0) return 'no client has reported a personal model yet';
  const gain = summary.meanGain === null ? '—' : `${summary.meanGain >= 0 ? '+' : ''}${metric === 'accuracy' ? `${(summary.meanGain * 100).toFixed(1)} pts` : summary.meanGain.toFixed(4)}`;
  const both = summary.beatsBoth === null ? '' : `, beats global and local-only on ${pct(summary.beatsBoth)}`;
  return `personal beats global on ${pct(summary.beatsGlobal)} of ${summary.clients} clients${both}; mean gain ${gain}`;
}
