// Maps a task's configuration (wire names) onto a strategy of @flotilla/core.

import { createStrategy, type Strategy, type StrategyConfig } from '@flotilla/core';
import { adaptiveClippingConfig, DpFedAvgStrategy, type AdaptiveClippingConfig } from '@flotilla/privacy';
import type { StrategyName as WireStrategyName, TaskConfig } from '@flotilla/protocol';
import type { StrategyName } from '@flotilla/core';
import { usesFedNova } from './workConfig.ts';

/**
 * The protocol lists the names a task may carry (StrategyParameters), the core registry the
 * strategies it builds (STRATEGIES): both lists must be the same, or this does not compile.
 */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const STRATEGY_NAMES_AGREE: Same<WireStrategyName, StrategyName> = true;

export function buildStrategy(config: TaskConfig): Strategy {
  const { strategy: s, fit, stop } = config;
  const common = {
    fractionFit: fit.fractionFit, minFitClients: fit.minFitClients, minAvailableClients: fit.minAvailableClients,
    overSelection: fit.overSelection, epochs: fit.epochs, batchSize: fit.batchSize, learningRate: fit.learningRate,
    minReports: stop.minReports,
  };
  const optimiser = {
    ...(s.serverLearningRate === undefined ? {} : { serverLearningRate: s.serverLearningRate }),
    ...(s.beta1 === undefined ? {} : { beta1: s.beta1 }),
    ...(s.beta2 === undefined ? {} : { beta2: s.beta2 }),
    ...(s.tau === undefined ? {} : { tau: s.tau }),
  };
  let named: StrategyConfig;
  // Under adaptive work FedAvg and FedProx aggregate as FedNova (workConfig.ts refuses the rest).
  const name = usesFedNova(config) ? 'fednova' : s.name;
  switch (name) {
    case 'fedavg':
    case 'fedmedian':
      named = { name, ...common };
      break;
    case 'fedprox':
      named = { name: 'fedprox', ...common, proximalMu: fit.proximalMu };
      break;
    case 'fednova':
      // FedProx's μ stays: its clients solve the proximal problem, inexactly when partial.
      named = { name: 'fednova', ...common, proximalMu: s.name === 'fedavg' ? 0 : fit.proximalMu };
      break;
    case 'fedavgm':
      named = {
        name: 'fedavgm', ...common,
        ...(s.serverLearningRate === undefined ? {} : { serverLearningRate: s.serverLearningRate }),
        ...(s.serverMomentum === undefined ? {} : { serverMomentum: s.serverMomentum }),
      };
      break;
    case 'fedadam':
    case 'fedyogi':
    case 'fedadagrad':
      named = { name, ...common, ...optimiser };
      break;
    case 'fedtrimmedavg':
      named = { name: 'fedtrimmedavg', ...common, ...(s.trimBeta === undefined ? {} : { beta: s.trimBeta }) };
      break;
    case 'krum':
      named = { name: 'krum', ...common, f: s.byzantine ?? 1, ...(s.krumSelect === undefined ? {} : { m: s.krumSelect }) };
      break;
    case 'centeredclip':
      named = {
        name: 'centeredclip', ...common,
        ...(s.clipRadius === undefined ? {} : { clipRadius: s.clipRadius }),
        ...(s.clipIterations === undefined ? {} : { iterations: s.clipIterations }),
        ...(s.clipMomentum === undefined ? {} : { momentum: s.clipMomentum }),
      };
      break;
    default: {
      const never: never = name;
      throw new Error(`unknown strategy ${String(never)}`);
    }
  }
  const strategy = createStrategy(named);
  const dp = config.privacy.differentialPrivacy;
  // Privacy wraps the strategy: it keeps the selection and the server optimiser, and replaces the
  // mean of the updates by DP-FedAvg's clipped, noised one (robust rules are refused by resolveTaskConfig).
  return dp.enabled
    ? new DpFedAvgStrategy(strategy, {
      clipNorm: dp.clippingNorm, noiseMultiplier: dp.noiseMultiplier, delta: dp.delta,
      ...(dp.adaptiveClipping?.enabled ? { adaptiveClipping: adaptiveClippingOf(config) } : {}),
    })
    : strategy;
}

/**
 * The task's adaptive clipping with its defaults filled in; σ_b defaults to m/20 for the m clients
 * a round asks for when the whole population is online (Andrew et al. 2021, §4).
 * @example const ac = adaptiveClippingOf(config); // { targetQuantile: 0.5, learningRate: 0.2, countNoiseStd: 0.5 }
 */
export function adaptiveClippingOf(config: TaskConfig): AdaptiveClippingConfig {
  const spec = config.privacy.differentialPrivacy.adaptiveClipping;
  const expected = Math.max(config.fit.minFitClients, Math.ceil(config.fit.fractionFit * config.data.partition.numClients));
  return adaptiveClippingConfig({
    expectedClientsPerRound: expected,
    ...(spec?.targetQuantile === undefined ? {} : { targetQuantile: spec.targetQuantile }),
    ...(spec?.learningRate === undefined ? {} : { learningRate: spec.learningRate }),
    ...(spec?.clippedCountStddev === undefined ? {} : { countNoiseStd: spec.clippedCountStddev }),
  });
}
