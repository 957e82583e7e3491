// The create form's contribution section and the panel's reward form: what they send is what the
// contract accepts, a section left off sends nothing, and a bad value is named.
import { describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { Value } from '@sinclair/typebox/value';
import { ContributionSpec, RewardSpec } from '@flotilla/protocol';
import { ContributionFields, INITIAL_CONTRIBUTION, contributionConfig } from './ContributionFields.tsx';
import { rewardFormValues, rewardSpec } from './RewardForm.tsx';

const on = (patch: Partial<typeof INITIAL_CONTRIBUTION> = {}) => ({ ...INITIAL_CONTRIBUTION, values: { ...INITIAL_CONTRIBUTION.values, enabled: true }, ...patch });
const render = (value: typeof INITIAL_CONTRIBUTION) => renderToStaticMarkup(createElement(ContributionFields, { value, onChange: () => {} }));

describe('ContributionFields', () => {
  it('sends nothing while off and shows only the switch', () => {
    expect(contributionConfig(INITIAL_CONTRIBUTION)).toBeUndefined();
    const html = render(INITIAL_CONTRIBUTION);
    expect(html).toContain('dashboard.create.contribution.enabled"');
    expect(html).not.toContain('dashboard.create.contribution.method"');
  });

  it('once on, sends a spec the contract accepts with the reward split and selection policy, defaults filled in', () => {
    const spec = contributionConfig(on({
      values: { ...INITIAL_CONTRIBUTION.values, enabled: true, method: 'exact' }, validationExamples: '300',
      reward: { kind: 'threshold', pool: '50', threshold: '0.1' }, selection: { policy: 'exclude', minRounds: '2', floorWeight: '' },
    }));

    expect(spec).toMatchObject({
      enabled: true, method: 'exact', validation: { examples: 300 }, maxPermutations: 50,
      reward: { kind: 'threshold', pool: 50, threshold: 0.1 }, selection: { policy: 'exclude', minRounds: 2, floorWeight: 0.1 },
    });
    expect(Value.Check(ContributionSpec, spec)).toBe(true);
    expect(contributionConfig(on())).toMatchObject({ method: 'gtg', validation: { examples: 1000 }, reward: { kind: 'proportional', pool: 100 }, selection: { policy: 'uniform' } });
  });

  it('names the field a value does not fit', () => {
    expect(() => contributionConfig(on({ validationExamples: '10' }))).toThrow(/^contribution\.validation\.examples: /);
    expect(() => contributionConfig(on({ reward: { kind: 'proportional', pool: '-1', threshold: '' } }))).toThrow(/^contribution\.reward\.pool: /);
  });

  it('shows GTG\'s tolerances only for gtg, the threshold only for a thresholded split, the policy\'s settings only for its policy', () => {
    const gtg = render(on());
    expect(gtg).toContain('dashboard.create.contribution.maxPermutations"');
    expect(gtg).toContain('dashboard.create.contribution.validationExamples"');
    expect(gtg).not.toContain('dashboard.create.contribution.reward.threshold"');
    expect(gtg).not.toContain('dashboard.create.contribution.selection.floorWeight"');
    const other = render(on({
      values: { ...INITIAL_CONTRIBUTION.values, enabled: true, method: 'leave-one-out' },
      reward: { kind: 'threshold', pool: '', threshold: '' }, selection: { policy: 'downweight', minRounds: '', floorWeight: '' },
    }));
    expect(other).not.toContain('dashboard.create.contribution.maxPermutations"');
    expect(other).toContain('dashboard.create.contribution.reward.threshold"');
    expect(other).toContain('dashboard.create.contribution.selection.floorWeight"');
  });
});

describe('RewardForm', () => {
  it('opens on the split in force and sends what it shows', () => {
    const values = rewardFormValues({ kind: 'threshold', pool: 50, threshold: 0.2 });

    expect(values).toEqual({ kind: 'threshold', pool: '50', threshold: '0.2' });
    expect(rewardSpec({ ...values, kind: 'proportional', pool: '200' })).toEqual({ kind: 'proportional', pool: 200, threshold: 0.2 });
    expect(Value.Check(RewardSpec, rewardSpec(values))).toBe(true);
  });

  it('refuses a threshold outside 0–1, naming it', () => {
    expect(() => rewardSpec({ kind: 'threshold', pool: '10', threshold: '1.5' })).toThrow(/^reward\.threshold: /);
  });
});
