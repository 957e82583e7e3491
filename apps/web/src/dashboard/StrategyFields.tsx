// The create form's strategy section, derived from the registries: the strategies on the wire
// and their parameters (@flotilla/protocol), what each does and combines with (@flotilla/core).
// A strategy added to the registries appears here without an edit.

import type { ReactNode } from 'react';
import { STRATEGIES } from '@flotilla/core';
import { STRATEGY_NAMES, StrategyParameters, strategyParameterNames, type StrategyName, type StrategySpec } from '@flotilla/protocol';

export interface StrategyFormState {
  name: StrategyName;
  /** Typed values by parameter; empty means the strategy's default. */
  parameters: Record<string, string>;
  /** FedProx's proximal μ: the clients add it to their loss, so it travels in `fit`. */
  mu: string;
}

export const INITIAL_STRATEGY: StrategyFormState = { name: 'fedavg', parameters: {}, mu: String(STRATEGIES.fedprox.defaults.proximalMu) };

export interface StrategyOption {
  name: StrategyName;
  description: string;
  /** False for the rules that need every update (robust aggregation): no secure aggregation, no client-level DP. */
  onTheMean: boolean;
}

/**
 * The strategies the form offers, in the registry's order.
 * @example strategyOptions()[0] // { name: 'fedavg', description: 'FedAvg: …', onTheMean: true }
 */
export function strategyOptions(): StrategyOption[] {
  return STRATEGY_NAMES.map((name) => ({ name, description: STRATEGIES[name].description, onTheMean: !STRATEGIES[name].needsEveryUpdate }));
}

/** A parameter's label: its schema's description (which states the default). */
function parameterLabel(name: StrategyName, parameter: string): string {
  const field = (StrategyParameters.properties[name].properties as Record<string, { description?: string }>)[parameter];
  return field?.description ?? parameter;
}

/**
 * The task's `strategy` section and FedProx's μ (for `fit.proximalMu`); parameters left empty are left out.
 * @example strategyConfig({ name: 'krum', parameters: { byzantine: '2' }, mu: '0.01' }) // { strategy: { name: 'krum', byzantine: 2 }, proximalMu: 0 }
 */
export function strategyConfig(s: StrategyFormState): { strategy: StrategySpec; proximalMu: number } {
  const strategy: Record<string, unknown> = { name: s.name };
  for (const parameter of strategyParameterNames(s.name)) {
    const value = s.parameters[parameter]?.trim();
    if (value) strategy[parameter] = Number(value);
  }
  return { strategy: strategy as StrategySpec, proximalMu: s.name === 'fedprox' ? Number(s.mu) : 0 };
}

const Field = ({ label, children }: { label: string; children: ReactNode }) => <label className="field"><span>{label}</span>{children}</label>;

export function StrategyFields({ value, onChange }: { value: StrategyFormState; onChange(next: StrategyFormState): void }) {
  const options = strategyOptions();
  const chosen = options.find((o) => o.name === value.name);
  return (
    <>
      <Field label="strategy">
        <select value={value.name} onChange={(e) => onChange({ ...value, name: e.target.value as StrategyName })} data-testid="dashboard.create.strategy">
          {options.map((o) => <option key={o.name} value={o.name} title={o.description}>{o.name}</option>)}
        </select>
        {chosen ? (
          <small className="muted" data-testid="dashboard.create.strategy.description">
            {chosen.description}{chosen.onTheMean ? '' : ' — needs every update: no secure aggregation or client-level DP'}
          </small>
        ) : null}
      </Field>
      {value.name === 'fedprox' ? (
        <Field label="proximal μ">
          <input type="number" step="any" value={value.mu} onChange={(e) => onChange({ ...value, mu: e.target.value })} data-testid="dashboard.create.mu" />
        </Field>
      ) : null}
      {strategyParameterNames(value.name).map((parameter) => (
        <Field key={parameter} label={parameterLabel(value.name, parameter)}>
          <input
            type="number" step="any" placeholder="default" value={value.parameters[parameter] ?? ''}
            onChange={(e) => onChange({ ...value, parameters: { ...value.parameters, [parameter]: e.target.value } })}
            data-testid={`dashboard.create.strategy.${parameter}`}
          />
        </Field>
      ))}
    </>
  );
}
