// The create form's communication section: the update codec (uplink), the model's codec
// (downlink), delta downloads, and a stronger codec for clients on a slow link. The codecs and
// their parameters come from the contract's CodecSpec, so a codec added there is offered here.

import type { ReactNode } from 'react';
import type { TObject, TSchema } from '@sinclair/typebox';
import { CodecSpec, type CodecName, type CommunicationSpec } from '@flotilla/protocol';
import { SpecFields, specFormDefaults, specValue, type SpecFormValues } from './SpecFields.tsx';

/** A codec as the form holds it: its name and its parameters' inputs. */
export interface CodecFormState {
  codec: CodecName;
  params: SpecFormValues;
}

export interface CommunicationFormState {
  uplink: CodecFormState;
  downlink: CodecFormState;
  downlinkDelta: boolean;
  /** The codec of clients whose uplink is slower than `slowLinkKbps`; null: the same as everyone. */
  slowLinkUplink: CodecFormState | null;
  slowLinkKbps: string;
}

/** Each codec's schema in the contract, by name. */
export const CODEC_SCHEMAS: ReadonlyMap<CodecName, TObject> = new Map(
  (CodecSpec.anyOf as TSchema[]).map((s) => [(s as TObject).properties.codec!.const as CodecName, s as TObject]),
);

const codecState = (codec: CodecName): CodecFormState => ({ codec, params: specFormDefaults(CODEC_SCHEMAS.get(codec)!) });

export const INITIAL_COMMUNICATION: CommunicationFormState = {
  uplink: codecState('float32'), downlink: codecState('float32'), downlinkDelta: false, slowLinkUplink: null, slowLinkKbps: '',
};

/** What each codec does, for the form's hints (measured figures are in README's "Compression"). */
const CODEC_HINTS: Record<CodecName, string> = {
  float32: 'lossless, 4 bytes a value',
  float16: 'half precision, 2 bytes a value; not with secure aggregation',
  int8: '1 byte a value and a scale per tensor or channel; with secure aggregation (per tensor), 8-bit fixed point masked in 8 + ⌈log2 n⌉ bits',
  topk: 'the largest fraction of the values with their indices, the rest carried to the next round; not with secure aggregation',
  qsgd: 'stochastic quantisation to a few levels of the norm; not with secure aggregation',
};

function codecSpec(c: CodecFormState, label: string): CodecSpec {
  return specValue<CodecSpec>(CODEC_SCHEMAS.get(c.codec)!, c.params, label, { codec: c.codec });
}

/**
 * The task's `communication` section, or undefined when the form asks for float32 both ways and
 * nothing else (the task then travels as before); throws an Error naming a field that does not fit.
 * @example communicationConfig({ ...INITIAL_COMMUNICATION, uplink: { codec: 'int8', params: {} } }) // { uplink: { codec: 'int8', … }, downlink: { codec: 'float32' }, downlinkDelta: false }
 */
export function communicationConfig(c: CommunicationFormState): CommunicationSpec | undefined {
  const plain = c.uplink.codec === 'float32' && c.downlink.codec === 'float32' && !c.downlinkDelta && c.slowLinkUplink === null;
  if (plain) return undefined;
  const slow = c.slowLinkUplink === null ? {} : {
    slowLinkUplink: codecSpec(c.slowLinkUplink, 'communication.slowLinkUplink'),
    slowLinkKbps: positive(c.slowLinkKbps, 'communication.slowLinkKbps'),
  };
  return {
    uplink: codecSpec(c.uplink, 'communication.uplink'), downlink: codecSpec(c.downlink, 'communication.downlink'),
    downlinkDelta: c.downlinkDelta, ...slow,
  };
}

function positive(text: string, label: string): number {
  const n = Number(text);
  if (!text.trim() || !(n > 0)) throw new Error(`${label}: a slow link needs its threshold in kbit/s (a positive number)`);
  return n;
}

const Field = ({ label, children }: { label: string; children: ReactNode }) => <label className="field"><span>{label}</span>{children}</label>;

function CodecChoice({ label, value, onChange, testid, allowNone = false }: {
  label: string; value: CodecFormState | null; onChange(next: CodecFormState | null): void; testid: string; allowNone?: boolean;
}) {
  return (
    <>
      <Field label={label}>
        <select
          value={value?.codec ?? ''} data-testid={testid}
          onChange={(e) => onChange(e.target.value === '' ? null : codecState(e.target.value as CodecName))}
        >
          {allowNone ? <option value="">same as the others</option> : null}
          {[...CODEC_SCHEMAS.keys()].map((name) => <option key={name} value={name} title={CODEC_HINTS[name]}>{name}</option>)}
        </select>
        {value ? <small className="muted" data-testid={`${testid}.hint`}>{CODEC_HINTS[value.codec]}</small> : null}
      </Field>
      {value ? (
        <SpecFields
          schema={CODEC_SCHEMAS.get(value.codec)!} value={value.params} omit={['codec']} testid={testid}
          onChange={(params) => onChange({ ...value, params })}
        />
      ) : null}
    </>
  );
}

/**
 * @example <CommunicationFields value={communication} onChange={setCommunication} />
 */
export function CommunicationFields({ value: c, onChange }: { value: CommunicationFormState; onChange(next: CommunicationFormState): void }) {
  return (
    <fieldset className="spec" data-testid="dashboard.create.communication">
      <legend>Communication</legend>
      <CodecChoice label="update codec (uplink)" value={c.uplink} onChange={(uplink) => onChange({ ...c, uplink: uplink! })} testid="dashboard.create.communication.uplink" />
      <CodecChoice label="model codec (downlink)" value={c.downlink} onChange={(downlink) => onChange({ ...c, downlink: downlink! })} testid="dashboard.create.communication.downlink" />
      <label className="check">
        <input type="checkbox" checked={c.downlinkDelta} onChange={(e) => onChange({ ...c, downlinkDelta: e.target.checked })} data-testid="dashboard.create.communication.downlinkDelta" />
        {' '}send the difference to the version a client holds, where smaller
      </label>
      <CodecChoice
        label="slow-link update codec" value={c.slowLinkUplink} allowNone
        onChange={(slowLinkUplink) => onChange({ ...c, slowLinkUplink })} testid="dashboard.create.communication.slowLinkUplink"
      />
      {c.slowLinkUplink ? (
        <Field label="slow below (kbit/s)">
          <input type="number" step="any" value={c.slowLinkKbps} onChange={(e) => onChange({ ...c, slowLinkKbps: e.target.value })} data-testid="dashboard.create.communication.slowLinkKbps" />
        </Field>
      ) : null}
    </fieldset>
  );
}
