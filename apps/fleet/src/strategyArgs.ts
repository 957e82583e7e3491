// The fleet's --strategy and --strategy-param, derived from the registries: the names and
// parameters on the wire (@flotilla/protocol) and what each strategy does (@flotilla/core).

import { Value } from '@sinclair/typebox/value';
import { STRATEGIES } from '@flotilla/core';
import { STRATEGY_NAMES, StrategySpec, strategyParameterNames, type StrategyName } from '@flotilla/protocol';

/**
 * The help lines of every strategy: its name, what it does, and the parameters it reads.
 * @example strategyHelp('                             ') // '  fedavg …\n  …'
 */
export function strategyHelp(indent: string): string {
  return STRATEGY_NAMES.map((name) => {
    const parameters = strategyParameterNames(name);
    return `${indent}${name.padEnd(14)} ${STRATEGIES[name].description}${parameters.length > 0 ? ` [${parameters.join(', ')}]` : ''}`;
  }).join('\n');
}

/**
 * The task's strategy from `--strategy` and each `--strategy-param NAME=VALUE`; a message for people
 * (thrown as the caller's usage error) when a name, a parameter or a value does not fit.
 * @example parseStrategyArgs('krum', ['byzantine=2']) // { name: 'krum', byzantine: 2 }
 */
export function parseStrategyArgs(name: string, params: readonly string[], refuse: (message: string) => Error): StrategySpec {
  if (!(STRATEGY_NAMES as string[]).includes(name)) throw refuse(`--strategy must be one of ${STRATEGY_NAMES.join(', ')}, got ${name}`);
  const strategy: Record<string, unknown> = { name };
  const allowed = strategyParameterNames(name as StrategyName) as string[];
  for (const param of params) {
    const [key, value] = param.split('=', 2);
    if (!key || value === undefined) throw refuse(`--strategy-param takes NAME=VALUE, got ${param}`);
    if (!allowed.includes(key)) {
      throw refuse(`${name} has ${allowed.length > 0 ? `the parameters ${allowed.join(', ')}` : 'no parameters'}, not ${key}`);
    }
    strategy[key] = Number(value);
  }
  if (!Value.Check(StrategySpec, strategy)) {
    const first = Value.Errors(StrategySpec, strategy).First();
    throw refuse(`--strategy-param ${first?.path.slice(1) ?? ''}: ${first?.message ?? 'invalid'}`);
  }
  return strategy as StrategySpec;
}
