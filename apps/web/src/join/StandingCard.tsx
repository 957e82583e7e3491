// The join page's standing card: this client's own contribution after the last valued round (its
// rank among the clients ranked, cumulative value, share of the reward pool and reward), as the
// coordinator's standing message tells it. Nothing shows on a task without contribution assessment.

import type { JoinState } from './JoinSession.ts';

type Standing = NonNullable<JoinState['standing']>;

const signed = (v: number) => {
  const text = v.toFixed(4);
  return Number(text) === 0 ? '0.0000' : v > 0 ? `+${text}` : text;
};

/**
 * The card's sentence.
 * @example standingText({ round: 4, value: 0.01, cumulative: 0.05, rank: 2, of: 5, share: 0.3, reward: 30 }) // 'rank 2 of 5 after round 4: …'
 */
export function standingText(s: Standing): string {
  return `rank ${s.rank} of ${s.of} after round ${s.round}: your updates added ${signed(s.cumulative)} to the global model's validation score so far `
    + `(${signed(s.value)} in round ${s.round}); ${(s.share * 100).toFixed(1)} % of the reward pool, ${s.reward.toFixed(2)}`;
}

export function StandingCard({ standing }: { standing: JoinState['standing'] }) {
  if (standing === null) return null;
  return (
    <section aria-label="Your contribution">
      <h2>Your contribution</h2>
      <p
        data-testid="join.standing" data-round={standing.round} data-rank={standing.rank} data-of={standing.of}
        data-cumulative={standing.cumulative} data-value={standing.value} data-share={standing.share} data-reward={standing.reward}
      >
        {standingText(standing)}
      </p>
      <p style={{ color: '#57606a', fontSize: '0.9em' }}>
        The coordinator values each update by how much it improves the model on examples it holds back (a Shapley value);
        it tells this page its own standing only, never another client&apos;s.
      </p>
    </section>
  );
}
