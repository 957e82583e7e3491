// The create form's local-work section: fixed epochs, or work sized to each device's speed so it
// finishes before the deadline (FedNova-normalised, partial work accepted), and how clients are
// selected; from the contract's WorkSpec.

import { WorkSpec } from '@flotilla/protocol';
import { SpecFields, specFormDefaults, specValue, type SpecFormValues } from './SpecFields.tsx';

export const INITIAL_WORK: SpecFormValues = specFormDefaults(WorkSpec);

const LABELS: Record<string, string> = {
  kind: 'local work', deadlineFraction: 'finish within (fraction of the deadline)', minSteps: 'min local steps',
  acceptPartial: 'accept partial work when the deadline nears', selection: 'selection',
};

/**
 * The task's `fit.work`, or undefined for fixed work with uniform selection (the task's E epochs
 * for everyone, as before); throws an Error naming a field that does not fit.
 * @example workConfig({ ...INITIAL_WORK, kind: 'adaptive' }) // { kind: 'adaptive', deadlineFraction: 0.8, minSteps: 1, … }
 */
export function workConfig(value: SpecFormValues): WorkSpec | undefined {
  const spec = specValue<WorkSpec>(WorkSpec, value, 'fit.work');
  return spec.kind === 'fixed' && spec.selection === 'uniform' ? undefined : spec;
}

/**
 * @example <WorkFields value={work} onChange={setWork} />
 */
export function WorkFields({ value, onChange }: { value: SpecFormValues; onChange(next: SpecFormValues): void }) {
  const adaptive = value.kind === 'adaptive';
  return (
    <fieldset className="spec" data-testid="dashboard.create.work">
      <legend>Local work</legend>
      <SpecFields
        schema={WorkSpec} value={value} onChange={onChange} testid="dashboard.create.work" labels={LABELS}
        only={adaptive ? undefined : ['kind', 'selection']}
      />
    </fieldset>
  );
}
