// The join page's standing card: nothing without a standing (a task without contribution), and the
// client's own rank, value, share and reward, in words and in data attributes a test or fleet reads.
import { describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { StandingCard, standingText } from './StandingCard.tsx';

const standing = { round: 4, value: -0.0123, cumulative: 0.0456, rank: 2, of: 5, share: 0.3, reward: 30 };

describe('StandingCard', () => {
  it('shows nothing before a standing arrives', () => {
    expect(renderToStaticMarkup(createElement(StandingCard, { standing: null }))).toBe('');
  });

  it('says the rank, cumulative value, last value, share and reward, and carries them as data attributes', () => {
    const html = renderToStaticMarkup(createElement(StandingCard, { standing }));

    expect(standingText(standing)).toBe(
      'rank 2 of 5 after round 4: your updates added +0.0456 to the global model\'s validation score so far (-0.0123 in round 4); 30.0 % of the reward pool, 30.00',
    );
    expect(html).toContain('data-testid="join.standing" data-round="4" data-rank="2" data-of="5" data-cumulative="0.0456" data-value="-0.0123" data-share="0.3" data-reward="30"');
  });
});
