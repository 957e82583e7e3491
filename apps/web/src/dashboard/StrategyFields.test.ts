// The create form's strategy section against the registries: every registered strategy is
// offered with its parameters, and what the form sends is a strategy the task contract accepts.
import { describe, expect, it } from 'vitest';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { Value } from '@sinclair/typebox/value';
import { STRATEGIES } from '@flotilla/core';
import { StrategySpec, strategyParameterNames, type StrategyName } from '@flotilla/protocol';
import { INITIAL_STRATEGY, StrategyFields, strategyConfig, strategyOptions } from './StrategyFields.tsx';

const render = (name: StrategyName) => renderToStaticMarkup(createElement(StrategyFields, { value: { ...INITIAL_STRATEGY, name }, onChange: () => {} }));

describe('StrategyFields', () => {
  it('offers every strategy of the registry, with its description', () => {
    const html = render('fedavg');

    for (const name of Object.keys(STRATEGIES)) expect(html, name).toContain(`<option value="${name}"`);
    expect(strategyOptions().map((o) => o.name)).toEqual(Object.keys(STRATEGIES));
    expect(html).toContain(STRATEGIES.fedavg.description);
  });

  it('shows exactly the chosen strategy\'s parameters, and says when it rules out secure aggregation and DP', () => {
    const krum = render('krum');

    expect(krum).toContain('data-testid="dashboard.create.strategy.byzantine"');
    expect(krum).toContain('data-testid="dashboard.create.strategy.krumSelect"');
    expect(krum).not.toContain('dashboard.create.strategy.serverLearningRate');
    expect(krum).toContain('no secure aggregation or client-level DP');
    expect(render('fedprox')).toContain('data-testid="dashboard.create.mu"');
  });

  it('sends a strategy the task contract accepts, parameters left empty falling back to their defaults', () => {
    for (const { name } of strategyOptions()) {
      const parameters = Object.fromEntries(strategyParameterNames(name).map((p) => [p, p === 'byzantine' || p === 'krumSelect' || p === 'clipIterations' ? '2' : '0.25']));

      const filled = strategyConfig({ name, parameters, mu: '0.01' });
      const empty = strategyConfig({ name, parameters: {}, mu: '0.01' });

      expect(Value.Check(StrategySpec, filled.strategy), name).toBe(true);
      expect(empty.strategy, name).toEqual({ name });
      expect(filled.proximalMu, name).toBe(name === 'fedprox' ? 0.01 : 0);
    }
  });
});
