// Task configuration with defaults: an operator sends only what differs from the McMahan et al.
// 2017 MNIST setting (2NN, K = 100 IID clients, C = 0.1, E = 1, B = 10, FedAvg).

import { Value } from '@sinclair/typebox/value';
import { STRATEGY_TRAITS, strategiesOnTheMean } from '@flotilla/core';
import { AsynchronousSpec, BUILTIN_MNIST, DEFAULT_MAX_EXAMPLES_PER_CLIENT, ErrorCodes, EvaluationSpec, FlotillaError, PersonalizationSpec, TaskConfig, WorkSpec } from '@flotilla/protocol';
import { adaptiveClippingOf } from './strategyFromTask.ts';
import { checkSecAggEncoding } from './secAggBounds.ts';
import { checkWork } from './workConfig.ts';
import { checkCommunication, completeCommunication } from './communicationConfig.ts';
import { checkAsynchronous } from './asynchronousConfig.ts';
import { checkContribution, completeContribution } from '../contribution/contributionConfig.ts';

/**
 * The choices the schema cannot make (which model, which data, which strategy, the target); every
 * other default is the schema's own (`default` in packages/protocol task.ts), applied by Value.Default.
 * Objects are listed (even empty) so that their fields' defaults are filled in.
 */
const DEFAULT_CHOICES = {
  name: 'MNIST 2NN FedAvg (McMahan et al. 2017)',
  model: { kind: 'mnist-2nn' },
  data: { dataset: BUILTIN_MNIST, partition: { kind: 'iid', numClients: 100, seed: 1 } },
  strategy: { name: 'fedavg' },
  fit: {},
  stop: { targetAccuracy: 0.97 },
  limits: {},
  baseline: {},
  privacy: { differentialPrivacy: { adaptiveClipping: {} }, dpSgd: {}, secureAggregation: {} },
};

/** The McMahan et al. 2017 MNIST setting with the schema's defaults; what an empty request creates. */
export const DEFAULT_TASK_CONFIG: TaskConfig = defaultTaskConfig();

function defaultTaskConfig(): TaskConfig {
  const config = Value.Default(TaskConfig, structuredClone(DEFAULT_CHOICES));
  // A default missing from the schema shows here, at load, not in a task.
  if (!Value.Check(TaskConfig, config)) throw new Error(`the default task configuration is incomplete at ${Value.Errors(TaskConfig, config).First()?.path}`);
  return config;
}

/** A partial configuration; null removes an optional setting (e.g. `stop.targetAccuracy: null`). */
export type { TaskConfigInput } from '@flotilla/protocol';

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function merge(base: unknown, patch: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(patch)) return patch === undefined ? base : patch;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = merge(base[k], v);
  }
  return out;
}

/**
 * Completes a partial configuration with the defaults and validates it.
 * @example resolveTaskConfig({ strategy: { name: 'fedprox' }, fit: { proximalMu: 0.01 } });
 */
export function resolveTaskConfig(input: unknown, base: TaskConfig = DEFAULT_TASK_CONFIG): TaskConfig {
  if (!isPlainObject(input)) throw new FlotillaError(ErrorCodes.INVALID_TASK, 'task configuration must be a JSON object');
  const config = merge(base, input) as Record<string, unknown>;
  // A different model or partition kind replaces the default one whole, never field by field.
  if (isPlainObject(input.model)) config.model = input.model;
  const partition = isPlainObject(input.data) ? input.data.partition : undefined;
  if (isPlainObject(partition)) (config.data as Record<string, unknown>).partition = partition;
  // Federated evaluation is off unless asked for; asked for, its unnamed settings take the schema's defaults.
  if (isPlainObject(config.evaluation) && isPlainObject(config.evaluation.federated)) config.evaluation = Value.Default(EvaluationSpec, config.evaluation);
  // Device-aware work, asked for, takes the schema's defaults for what it leaves out.
  if (isPlainObject(config.fit) && isPlainObject(config.fit.work)) config.fit.work = Value.Default(WorkSpec, structuredClone(config.fit.work));
  // Personalisation's unnamed settings take the schema's defaults; a mode with a head needs one.
  if (isPlainObject(config.personalization)) {
    config.personalization = Value.Default(PersonalizationSpec, config.personalization);
    const { mode, head } = config.personalization as { mode?: unknown; head?: unknown };
    if ((mode === 'fedper' || mode === 'fedrep') && head === undefined) {
      throw new FlotillaError(ErrorCodes.INVALID_TASK, `personalization.head: ${mode} keeps a head on each client; name it ({ lastLayers: n } or { names: [...] })`);
    }
  }
  if (config.communication !== undefined) config.communication = completeCommunication(config.communication);
  if (isPlainObject(config.asynchronous)) config.asynchronous = Value.Default(AsynchronousSpec, config.asynchronous);
  if (config.contribution !== undefined) config.contribution = completeContribution(config.contribution);
  if (!Value.Check(TaskConfig, config)) {
    const first = Value.Errors(TaskConfig, config).First();
    throw new FlotillaError(ErrorCodes.INVALID_TASK, `invalid task configuration at ${first?.path || '/'}: ${first?.message ?? 'invalid'}`);
  }
  const fit = config.fit as TaskConfig['fit'];
  if (fit.minFitClients > fit.minAvailableClients) {
    throw new FlotillaError(ErrorCodes.INVALID_TASK, 'fit.minFitClients cannot exceed fit.minAvailableClients');
  }
  const privacy = config.privacy as TaskConfig['privacy'];
  // Each records its own ε in the round's one ε column; they bound different things (a client, an example).
  if (privacy.differentialPrivacy.enabled && privacy.dpSgd?.enabled) {
    throw new FlotillaError(ErrorCodes.INVALID_TASK, 'privacy.differentialPrivacy and privacy.dpSgd cannot both be enabled in one task');
  }
  // With no noise the accountant's ε is infinite: no guarantee to report, and no number a round record can hold.
  if (privacy.differentialPrivacy.enabled && privacy.differentialPrivacy.noiseMultiplier === 0) {
    throw new FlotillaError(ErrorCodes.INVALID_TASK, 'privacy.differentialPrivacy.noiseMultiplier must be above 0: without noise ε is unbounded (turn differentialPrivacy off to train without it)');
  }
  if (privacy.dpSgd?.enabled && privacy.dpSgd.noiseMultiplier === 0) {
    throw new FlotillaError(ErrorCodes.INVALID_TASK, 'privacy.dpSgd.noiseMultiplier must be above 0: without noise ε is unbounded (turn dpSgd off to train without it)');
  }
  const secure = (config as TaskConfig).privacy.secureAggregation;
  const dp = privacy.differentialPrivacy;
  if (dp.enabled && dp.adaptiveClipping?.enabled) checkAdaptiveClipping(config as TaskConfig);
  const strategy = (config as TaskConfig).strategy.name;
  const onTheMean = strategiesOnTheMean().join(', ');
  if (secure?.enabled && STRATEGY_TRAITS[strategy].needsEveryUpdate) {
    throw new FlotillaError(ErrorCodes.INVALID_TASK, `strategy ${strategy} needs every update; secure aggregation reveals only their sum (use one of ${onTheMean})`);
  }
  // DP-FedAvg releases one clipped, noised mean; a robust rule has no individual updates to work on.
  if (dp.enabled && STRATEGY_TRAITS[strategy].needsEveryUpdate) {
    throw new FlotillaError(ErrorCodes.INVALID_TASK, `strategy ${strategy} needs every update; client-level differential privacy releases only their clipped, noised mean (use one of ${onTheMean})`);
  }
  checkSecAggEncoding(config as TaskConfig);
  checkWork(config as TaskConfig);
  checkCommunication(config as TaskConfig);
  checkAsynchronous(config as TaskConfig);
  checkContribution(config as TaskConfig);
  if (secure?.enabled && secure.mode === 'plus' && secure.neighbours !== undefined) {
    if (secure.neighbours % 2 !== 0) throw new FlotillaError(ErrorCodes.INVALID_TASK, 'privacy.secureAggregation.neighbours must be even');
    if (secure.threshold !== undefined && secure.threshold > secure.neighbours + 1) {
      throw new FlotillaError(ErrorCodes.INVALID_TASK, `privacy.secureAggregation.threshold ${secure.threshold} exceeds the ${secure.neighbours + 1} share holders of a neighbourhood`);
    }
  }
  return config as TaskConfig;
}

function checkAdaptiveClipping(config: TaskConfig): void {
  const z = config.privacy.differentialPrivacy.noiseMultiplier;
  const sigmaB = adaptiveClippingOf(config).countNoiseStd;
  if (z > 0 && !(sigmaB > z / 2)) {
    throw new FlotillaError(ErrorCodes.INVALID_TASK,
      `privacy.differentialPrivacy.adaptiveClipping.clippedCountStddev ${sigmaB} must exceed noiseMultiplier/2 = ${z / 2} (the default is expected clients per round / 20)`);
  }
}
