// The create form's personalisation section: the mode (fine-tuning, FedPer, FedRep, Ditto), the
// personal head of FedPer/FedRep (its last N layers, or layers by name), and each mode's
// parameters, from the contract's PersonalizationSpec.

import type { ReactNode } from 'react';
import { PersonalizationSpec } from '@flotilla/protocol';
import { SpecFields, specFormDefaults, specValue, type SpecFormValues } from './SpecFields.tsx';

export interface PersonalizationFormState {
  values: SpecFormValues;
  /** The head: a count of last layers, or layer names separated by commas. */
  head: string;
}

export const INITIAL_PERSONALIZATION: PersonalizationFormState = { values: specFormDefaults(PersonalizationSpec), head: '1' };

const LABELS: Record<string, string> = {
  mode: 'personal models', fineTuneEpochs: 'fine-tuning epochs', headEpochs: 'head epochs (FedRep)', lambda: 'Ditto λ',
  localBaseline: 'also evaluate a local-only model',
};

/** The fields each mode reads, besides `mode` and `localBaseline`. */
const MODE_FIELDS: Record<string, string[]> = {
  none: [], finetune: ['fineTuneEpochs'], fedper: [], fedrep: ['headEpochs'], ditto: ['lambda'],
};

const usesHead = (mode: string) => mode === 'fedper' || mode === 'fedrep';

/**
 * The task's `personalization` section, or undefined for mode none; throws an Error naming a
 * field that does not fit.
 * @example personalizationConfig({ values: { mode: 'fedper' }, head: '2' }) // { mode: 'fedper', head: { lastLayers: 2 }, … }
 */
export function personalizationConfig(p: PersonalizationFormState): PersonalizationSpec | undefined {
  const mode = String(p.values.mode || 'none');
  if (mode === 'none') return undefined;
  const text = p.head.trim();
  const head = !usesHead(mode) ? {} : /^\d+$/.test(text)
    ? { head: { lastLayers: Number(text) } }
    : { head: { names: text.split(',').map((n) => n.trim()).filter((n) => n !== '') } };
  return specValue<PersonalizationSpec>(PersonalizationSpec, p.values, 'personalization', head);
}

const Field = ({ label, children }: { label: string; children: ReactNode }) => <label className="field"><span>{label}</span>{children}</label>;

/**
 * @example <PersonalizationFields value={personalization} onChange={setPersonalization} />
 */
export function PersonalizationFields({ value: p, onChange }: { value: PersonalizationFormState; onChange(next: PersonalizationFormState): void }) {
  const mode = String(p.values.mode || 'none');
  const setValues = (values: SpecFormValues) => onChange({ ...p, values });
  return (
    <fieldset className="spec" data-testid="dashboard.create.personalization">
      <legend>Personalisation</legend>
      <SpecFields schema={PersonalizationSpec} value={p.values} onChange={setValues} testid="dashboard.create.personalization" labels={LABELS} only={['mode']} />
      {usesHead(mode) ? (
        <Field label="personal head (last N layers, or names)">
          <input type="text" value={p.head} onChange={(e) => onChange({ ...p, head: e.target.value })} data-testid="dashboard.create.personalization.head" />
        </Field>
      ) : null}
      {mode === 'none' ? null : (
        <SpecFields
          schema={PersonalizationSpec} value={p.values} onChange={setValues} testid="dashboard.create.personalization" labels={LABELS}
          only={[...MODE_FIELDS[mode] ?? [], 'localBaseline']}
        />
      )}
    </fieldset>
  );
}
