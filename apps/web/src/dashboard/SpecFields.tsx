// Form fields derived from a TypeBox object schema of the contract (packages/protocol): a checkbox
// per boolean, a select per union of literals, a number input per number; so a field added to a
// spec (asynchronous, work, personalisation, a codec's parameters) appears in the form by itself.

import type { ReactNode } from 'react';
import { Kind, OptionalKind, type TObject, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** What the inputs hold: text for numbers and choices (empty: the schema's default), booleans for checkboxes. */
export type SpecFormValues = Record<string, string | boolean>;

type FieldKind = { kind: 'boolean' } | { kind: 'number'; integer: boolean } | { kind: 'choice'; options: string[] };

function fieldKind(schema: TSchema): FieldKind | null {
  if (schema[Kind] === 'Boolean') return { kind: 'boolean' };
  if (schema[Kind] === 'Integer' || schema[Kind] === 'Number') return { kind: 'number', integer: schema[Kind] === 'Integer' };
  if (schema[Kind] === 'Literal' && typeof schema.const === 'string') return { kind: 'choice', options: [schema.const] };
  if (schema[Kind] === 'Union') {
    const options = (schema.anyOf as TSchema[]).map((s) => (s[Kind] === 'Literal' && typeof s.const === 'string' ? s.const : null));
    if (options.every((o): o is string => o !== null)) return { kind: 'choice', options };
  }
  return null;
}

/** The fields of `schema` the form can show (booleans, numbers, choices), in the schema's order. */
export function specFieldNames(schema: TObject): string[] {
  return Object.entries(schema.properties).filter(([, s]) => fieldKind(s) !== null).map(([name]) => name);
}

/**
 * The form's values for a spec at its defaults: checkboxes at their default, other inputs empty
 * (shown with the default as placeholder, so the coordinator's default applies).
 * @example specFormDefaults(AsynchronousSpec) // { enabled: false, bufferSize: '', … }
 */
export function specFormDefaults(schema: TObject): SpecFormValues {
  return Object.fromEntries(specFieldNames(schema).map((name) => {
    const field = schema.properties[name]!;
    return [name, fieldKind(field)!.kind === 'boolean' ? Boolean(field.default) : ''];
  }));
}

/**
 * The spec the form describes, defaults filled in; throws an Error naming the field when a value
 * does not fit the schema (the create form shows it instead of sending the task).
 * @example specValue(WorkSpec, { kind: 'adaptive', minSteps: '2' }, 'work') // { kind: 'adaptive', minSteps: 2, deadlineFraction: 0.8, … }
 */
export function specValue<T = Record<string, unknown>>(schema: TObject, values: SpecFormValues, label: string, extra: Record<string, unknown> = {}): T {
  const raw: Record<string, unknown> = {};
  for (const name of specFieldNames(schema)) {
    const value = values[name];
    if (value === undefined || value === '') continue;
    const kind = fieldKind(schema.properties[name]!)!;
    raw[name] = kind.kind === 'number' && typeof value === 'string' ? Number(value) : value;
  }
  const spec = Value.Default(schema, { ...raw, ...extra });
  if (!Value.Check(schema, spec)) {
    const first = Value.Errors(schema, spec).First();
    throw new Error(`${label}${first?.path.replace(/\//g, '.') ?? ''}: ${first?.message ?? 'invalid'}`);
  }
  return spec as T;
}

const Field = ({ label, children }: { label: string; children: ReactNode }) => <label className="field"><span>{label}</span>{children}</label>;

/**
 * The inputs of a spec's fields (those in `only`, else all but `omit`), labelled by `labels` or the
 * field's name, each with `data-testid="<testid>.<field>"`.
 * @example <SpecFields schema={WorkSpec} value={work} onChange={setWork} testid="dashboard.create.work" labels={{ kind: 'local work' }} />
 */
export function SpecFields({ schema, value, onChange, testid, labels = {}, only, omit = [] }: {
  schema: TObject; value: SpecFormValues; onChange(next: SpecFormValues): void; testid: string;
  labels?: Record<string, string>; only?: readonly string[]; omit?: readonly string[];
}) {
  const names = (only ?? specFieldNames(schema)).filter((n) => !omit.includes(n) && specFieldNames(schema).includes(n));
  return (
    <>
      {names.map((name) => {
        const field = schema.properties[name]!;
        const kind = fieldKind(field)!;
        const label = labels[name] ?? name;
        const id = `${testid}.${name}`;
        const set = (next: string | boolean) => onChange({ ...value, [name]: next });
        if (kind.kind === 'boolean') {
          return <label key={name} className="check"><input type="checkbox" checked={Boolean(value[name])} onChange={(e) => set(e.target.checked)} data-testid={id} /> {label}</label>;
        }
        const fallback = field.default === undefined ? '' : String(field.default);
        if (kind.kind === 'choice') {
          return (
            <Field key={name} label={label}>
              <select value={String(value[name] || fallback || kind.options[0])} onChange={(e) => set(e.target.value)} data-testid={id}>
                {kind.options.map((o) => <option key={o} value={o}>{o}</option>)}
              </select>
            </Field>
          );
        }
        const optional = field[OptionalKind] === 'Optional';
        return (
          <Field key={name} label={label}>
            <input
              type="number" step={kind.integer ? '1' : 'any'} placeholder={fallback || (optional ? 'none' : '')}
              value={String(value[name] ?? '')} onChange={(e) => set(e.target.value)} data-testid={id}
            />
          </Field>
        );
      })}
    </>
  );
}
