// The create form's contribution section: Shapley-value contribution on or off, the method and its
// GTG tolerances, the validation examples the coordinator holds, the reward split and the
// selection policy, from the contract's ContributionSpec, RewardSpec and ContributionSelectionSpec.

import type { ReactNode } from 'react';
import { ContributionSelectionSpec, ContributionSpec, RewardSpec } from '@flotilla/protocol';
import { SpecFields, specFormDefaults, specValue, type SpecFormValues } from './SpecFields.tsx';

export interface ContributionFormState {
  values: SpecFormValues;
  /** Validation examples the coordinator holds back from every client (empty: the contract's default). */
  validationExamples: string;
  reward: SpecFormValues;
  selection: SpecFormValues;
}

export const INITIAL_CONTRIBUTION: ContributionFormState = {
  values: specFormDefaults(ContributionSpec), validationExamples: '', reward: specFormDefaults(RewardSpec), selection: specFormDefaults(ContributionSelectionSpec),
};

const LABELS: Record<string, string> = {
  enabled: 'value each client\'s updates (Shapley contribution)', method: 'method', truncationTolerance: 'GTG within-round truncation',
  roundTolerance: 'GTG between-round truncation', convergenceTolerance: 'GTG convergence (relative)', maxPermutations: 'GTG max permutations / round',
};
const REWARD_LABELS: Record<string, string> = { kind: 'reward split', pool: 'reward pool', threshold: 'threshold (share of the positive total)' };
const SELECTION_LABELS: Record<string, string> = { policy: 'selection policy', minRounds: 'judged after rounds valued', floorWeight: 'down-weighted clients\' weight' };

/** The GTG-only fields: exact Shapley and leave-one-out read none of them. */
const GTG_FIELDS = ['truncationTolerance', 'roundTolerance', 'convergenceTolerance', 'maxPermutations'];

/**
 * The task's `contribution` section, or undefined while it is off; throws an Error naming a field
 * that does not fit (e.g. `contribution.validation.examples: Expected integer to be greater or equal to 50`).
 * @example contributionConfig({ ...INITIAL_CONTRIBUTION, values: { enabled: true, method: 'exact' } }) // { enabled: true, method: 'exact', validation: { examples: 1000 }, … }
 */
export function contributionConfig(c: ContributionFormState): ContributionSpec | undefined {
  if (!c.values.enabled) return undefined;
  const examples = c.validationExamples.trim();
  const validation = examples === '' ? {} : { examples: Number(examples) };
  const reward = specValue<RewardSpec>(RewardSpec, c.reward, 'contribution.reward');
  const selection = specValue<ContributionSelectionSpec>(ContributionSelectionSpec, c.selection, 'contribution.selection');
  return specValue<ContributionSpec>(ContributionSpec, c.values, 'contribution', { validation, reward, selection });
}

const Field = ({ label, children }: { label: string; children: ReactNode }) => <label className="field"><span>{label}</span>{children}</label>;

/**
 * @example <ContributionFields value={contribution} onChange={setContribution} />
 */
export function ContributionFields({ value: c, onChange }: { value: ContributionFormState; onChange(next: ContributionFormState): void }) {
  const method = String(c.values.method || 'gtg');
  const rewardKind = String(c.reward.kind || 'proportional');
  const policy = String(c.selection.policy || 'uniform');
  const id = 'dashboard.create.contribution';
  return (
    <fieldset className="spec" data-testid={id}>
      <legend>Contribution</legend>
      <SpecFields schema={ContributionSpec} value={c.values} onChange={(values) => onChange({ ...c, values })} testid={id} labels={LABELS} only={['enabled']} />
      {c.values.enabled ? (
        <>
          <SpecFields
            schema={ContributionSpec} value={c.values} onChange={(values) => onChange({ ...c, values })} testid={id} labels={LABELS}
            only={['method', ...(method === 'gtg' ? GTG_FIELDS : [])]}
          />
          <Field label="validation examples (held by the coordinator)">
            <input
              type="number" step="1" placeholder={String(ContributionSpec.properties.validation.properties.examples.default)}
              value={c.validationExamples} onChange={(e) => onChange({ ...c, validationExamples: e.target.value })} data-testid={`${id}.validationExamples`}
            />
          </Field>
          <SpecFields
            schema={RewardSpec} value={c.reward} onChange={(reward) => onChange({ ...c, reward })} testid={`${id}.reward`} labels={REWARD_LABELS}
            omit={rewardKind === 'threshold' ? [] : ['threshold']}
          />
          <SpecFields
            schema={ContributionSelectionSpec} value={c.selection} onChange={(selection) => onChange({ ...c, selection })} testid={`${id}.selection`}
            labels={SELECTION_LABELS} omit={policy === 'uniform' ? ['minRounds', 'floorWeight'] : policy === 'exclude' ? ['floorWeight'] : []}
          />
        </>
      ) : null}
    </fieldset>
  );
}
