// The operator's reward split of a task with contribution assessment: proportional to positive
// cumulative value, or thresholded (clients below a share of the positive total get nothing), and
// the pool; a changed split is PUT to the coordinator and the standings show the new shares.

import { useEffect, useState } from 'react';
import { RewardSpec } from '@flotilla/protocol';
import { SpecFields, specValue, type SpecFormValues } from './SpecFields.tsx';

const LABELS: Record<string, string> = { kind: 'split', pool: 'pool', threshold: 'threshold (share of the positive total)' };

/**
 * The form's values for the split in force, so the form opens on what the coordinator applies.
 * @example rewardFormValues({ kind: 'threshold', pool: 50, threshold: 0.1 }) // { kind: 'threshold', pool: '50', threshold: '0.1' }
 */
export function rewardFormValues(reward: RewardSpec): SpecFormValues {
  return { kind: reward.kind, pool: String(reward.pool), threshold: String(reward.threshold) };
}

/**
 * The split the form describes; throws an Error naming the field that does not fit
 * (`reward.pool: Expected number to be greater or equal to 0`).
 * @example rewardSpec({ kind: 'proportional', pool: '200', threshold: '' }) // { kind: 'proportional', pool: 200, threshold: 0.05 }
 */
export function rewardSpec(values: SpecFormValues): RewardSpec {
  return specValue<RewardSpec>(RewardSpec, values, 'reward');
}

/**
 * @example <RewardForm reward={view.reward} onSave={setReward} />
 */
export function RewardForm({ reward, onSave }: { reward: RewardSpec; onSave(reward: RewardSpec): Promise<void> }) {
  const [values, setValues] = useState(() => rewardFormValues(reward));
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const key = `${reward.kind}|${reward.pool}|${reward.threshold}`;
  // The split in force changed elsewhere (another operator, a reload): the form follows it.
  useEffect(() => setValues(rewardFormValues(reward)), [key]); // eslint-disable-line react-hooks/exhaustive-deps -- keyed on the split's value
  const submit = async () => {
    setBusy(true);
    setMessage(null);
    try {
      const spec = rewardSpec(values);
      await onSave(spec);
      setMessage({ error: false, text: `reward split: ${spec.kind}, pool ${spec.pool}${spec.kind === 'threshold' ? `, threshold ${spec.threshold}` : ''}` });
    } catch (err) {
      const coded = err as { code?: string; message?: string };
      setMessage({ error: true, text: coded.code ? `${coded.code}: ${coded.message}` : String(coded.message ?? err) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="create" onSubmit={(e) => { e.preventDefault(); void submit(); }} data-testid="dashboard.contribution.reward">
      <SpecFields
        schema={RewardSpec} value={values} onChange={setValues} testid="dashboard.contribution.reward" labels={LABELS}
        omit={String(values.kind) === 'threshold' ? [] : ['threshold']}
      />
      <button type="submit" disabled={busy} data-testid="dashboard.contribution.reward.save">Apply the split</button>
      {message ? <p className={message.error ? 'error' : 'ok'} role="status" data-testid="dashboard.contribution.reward.message">{message.text}</p> : null}
    </form>
  );
}
