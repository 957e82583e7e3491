// The create form's asynchronous section: buffered asynchronous aggregation (FedBuff) on or off,
// and its buffer, concurrency, staleness bound and weighting, from the contract's AsynchronousSpec.

import { AsynchronousSpec } from '@flotilla/protocol';
import { SpecFields, specFormDefaults, specValue, type SpecFormValues } from './SpecFields.tsx';

export const INITIAL_ASYNCHRONOUS: SpecFormValues = specFormDefaults(AsynchronousSpec);

const LABELS: Record<string, string> = {
  enabled: 'buffered asynchronous rounds (FedBuff): a version every K updates, rounds count versions',
  bufferSize: 'buffer K (updates a version)', concurrency: 'clients training at once', maxStaleness: 'max staleness (versions)',
  stalenessWeighting: 'staleness weighting', stalenessExponent: 'staleness exponent', hingeAt: 'hinge at (versions)',
  serverLearningRate: 'server learning rate η_g',
};

/**
 * The task's `asynchronous` section, or undefined while it is off (synchronous rounds); throws an
 * Error naming a field that does not fit.
 * @example asynchronousConfig({ ...INITIAL_ASYNCHRONOUS, enabled: true, bufferSize: '4' }) // { enabled: true, bufferSize: 4, … }
 */
export function asynchronousConfig(value: SpecFormValues): AsynchronousSpec | undefined {
  if (!value.enabled) return undefined;
  return specValue<AsynchronousSpec>(AsynchronousSpec, value, 'asynchronous');
}

/**
 * @example <AsynchronousFields value={asynchronous} onChange={setAsynchronous} />
 */
export function AsynchronousFields({ value, onChange }: { value: SpecFormValues; onChange(next: SpecFormValues): void }) {
  const weighting = String(value.stalenessWeighting || 'polynomial');
  return (
    <fieldset className="spec" data-testid="dashboard.create.asynchronous">
      <legend>Asynchronous</legend>
      <SpecFields schema={AsynchronousSpec} value={value} onChange={onChange} testid="dashboard.create.asynchronous" labels={LABELS} only={['enabled']} />
      {value.enabled ? (
        <SpecFields
          schema={AsynchronousSpec} value={value} onChange={onChange} testid="dashboard.create.asynchronous" labels={LABELS}
          omit={['enabled', ...(weighting === 'constant' ? ['stalenessExponent'] : []), ...(weighting === 'hinge' ? [] : ['hingeAt'])]}
        />
      ) : null}
    </fieldset>
  );
}
