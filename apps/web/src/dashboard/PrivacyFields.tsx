// The create form's privacy section: differential privacy (none, client-level DP-FedAvg with
// optional adaptive clipping, sample-level DP-SGD), a "find noise multiplier" helper, and secure aggregation.

import { useState, type ReactNode } from 'react';
import { api, ApiError } from './api.ts';

export interface PrivacyFormState {
  dp: 'none' | 'client' | 'sample';
  clip: string;
  noise: string;
  delta: string;
  targetEpsilon: string;
  microbatch: string;
  adaptive: boolean;
  quantile: string;
  clipLr: string;
  countStd: string;
  secagg: boolean;
  secaggMode: 'full' | 'plus';
}

export const INITIAL_PRIVACY: PrivacyFormState = {
  dp: 'none', clip: '1', noise: '1', delta: '1e-5', targetEpsilon: '', microbatch: '1',
  adaptive: false, quantile: '0.5', clipLr: '0.2', countStd: '', secagg: false, secaggMode: 'plus',
};

/**
 * The task's `privacy` section from the form; settings left out take the coordinator's defaults.
 * @example const privacy = privacyConfig({ ...INITIAL_PRIVACY, dp: 'client', noise: '1.1' });
 */
export function privacyConfig(p: PrivacyFormState): Record<string, unknown> {
  const n = Number;
  const budget = p.targetEpsilon.trim() ? { targetEpsilon: n(p.targetEpsilon) } : {};
  return {
    differentialPrivacy: p.dp === 'client'
      ? {
        enabled: true, clippingNorm: n(p.clip), noiseMultiplier: n(p.noise), delta: n(p.delta), ...budget,
        adaptiveClipping: {
          enabled: p.adaptive, targetQuantile: n(p.quantile), learningRate: n(p.clipLr),
          ...(p.adaptive && p.countStd.trim() ? { clippedCountStddev: n(p.countStd) } : {}),
        },
      }
      : { enabled: false },
    dpSgd: p.dp === 'sample'
      ? { enabled: true, l2NormClip: n(p.clip), noiseMultiplier: n(p.noise), microbatchSize: n(p.microbatch), delta: n(p.delta), ...budget }
      : { enabled: false },
    secureAggregation: { enabled: p.secagg, mode: p.secaggMode },
  };
}

/** What the accountant needs to find the multiplier: the sampling rate of one step and the steps. */
export interface AccountingShape {
  sampleRate: number;
  rounds: number;
}

const Field = ({ label, children }: { label: string; children: ReactNode }) => <label className="field"><span>{label}</span>{children}</label>;

/**
 * The privacy fields, controlled by the create form; `shape` is how the task samples (client-level:
 * C per round; DP-SGD: B/n for E·⌈n/B⌉ steps a round) for the noise-multiplier helper.
 * @example <PrivacyFields value={privacy} onChange={setPrivacy} token={token} shape={{ sampleRate: 0.1, rounds: 100 }} />
 */
export function PrivacyFields({ value: p, onChange, token, shape }: {
  value: PrivacyFormState; onChange(next: PrivacyFormState): void; token: string | null; shape: AccountingShape;
}) {
  const [found, setFound] = useState<{ error: boolean; text: string } | null>(null);
  const set = (key: keyof PrivacyFormState) => (e: { target: { value: string; checked?: boolean; type?: string } }) =>
    onChange({ ...p, [key]: e.target.type === 'checkbox' ? Boolean(e.target.checked) : e.target.value });
  const input = (key: keyof PrivacyFormState, testid: string, type = 'number') => (
    <input type={type} step="any" value={String(p[key])} onChange={set(key)} data-testid={`dashboard.create.${testid}`} />
  );

  const find = async () => {
    setFound({ error: false, text: 'searching…' });
    try {
      const query = new URLSearchParams({ targetEpsilon: p.targetEpsilon, delta: p.delta, sampleRate: String(shape.sampleRate), rounds: String(shape.rounds) });
      const answer = await api<{ noiseMultiplier: number; epsilon: number }>(token, `/api/privacy/noise-multiplier?${query}`);
      onChange({ ...p, noise: String(answer.noiseMultiplier) });
      setFound({ error: false, text: `z = ${answer.noiseMultiplier} reaches ε = ${answer.epsilon.toFixed(3)} after ${shape.rounds} steps at q = ${shape.sampleRate.toPrecision(3)}` });
    } catch (err) {
      setFound({ error: true, text: err instanceof ApiError ? `${err.code}: ${err.message}` : String(err) });
    }
  };

  return (
    <fieldset className="privacy" data-testid="dashboard.create.dp">
      <legend>Privacy</legend>
      <Field label="differential privacy">
        <select value={p.dp} onChange={set('dp')} data-testid="dashboard.create.dp.kind">
          <option value="none">none</option>
          <option value="client">client-level DP-FedAvg</option>
          <option value="sample">sample-level DP-SGD</option>
        </select>
      </Field>
      {p.dp === 'none' ? null : (
        <>
          <Field label={p.dp === 'client' ? 'clipping norm S' : 'l2 norm clip C'}>{input('clip', 'dp.clip')}</Field>
          <Field label="noise multiplier">{input('noise', 'dp.noise')}</Field>
          <Field label="δ">{input('delta', 'dp.delta')}</Field>
          <Field label="target ε (empty = no budget)">{input('targetEpsilon', 'dp.targetEpsilon')}</Field>
          {p.dp === 'sample' ? <Field label="micro-batch size">{input('microbatch', 'dp.microbatch')}</Field> : null}
          <button type="button" onClick={() => void find()} disabled={!p.targetEpsilon.trim()} data-testid="dashboard.create.dp.find">find noise multiplier</button>
          {found ? <small className={found.error ? 'error' : 'muted'} role="status" data-testid="dashboard.create.dp.found">{found.text}</small> : null}
          {p.dp === 'client' ? (
            <>
              <label className="check"><input type="checkbox" checked={p.adaptive} onChange={set('adaptive')} data-testid="dashboard.create.dp.adaptive" /> adaptive clipping</label>
              {p.adaptive ? (
                <>
                  <Field label="target quantile γ">{input('quantile', 'dp.quantile')}</Field>
                  <Field label="clip learning rate η_C">{input('clipLr', 'dp.clipLr')}</Field>
                  <Field label="count noise σ_b (empty = m/20)">{input('countStd', 'dp.countStd')}</Field>
                </>
              ) : null}
            </>
          ) : null}
        </>
      )}
      <label className="check"><input type="checkbox" checked={p.secagg} onChange={set('secagg')} data-testid="dashboard.create.secagg.enabled" /> secure aggregation</label>
      {p.secagg ? (
        <Field label="masking">
          <select value={p.secaggMode} onChange={set('secaggMode')} data-testid="dashboard.create.secagg.mode">
            <option value="plus">SecAgg+ (k neighbours)</option>
            <option value="full">SecAgg (all peers)</option>
          </select>
        </Field>
      ) : null}
    </fieldset>
  );
}
