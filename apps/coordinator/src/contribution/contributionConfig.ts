// Contribution assessment at task creation: its defaults filled in, and the combinations it cannot
// value refused with FLT_CONTRIBUTION_INCOMPATIBLE saying why (secure aggregation, differential
// privacy, asynchronous rounds, no validation data at the coordinator).

import { Value } from '@sinclair/typebox/value';
import {
  ContributionSelectionSpec, ContributionSpec, ErrorCodes, FlotillaError, RewardSpec, type TaskConfig,
} from '@flotilla/protocol';

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const incompatible = (message: string): FlotillaError => new FlotillaError(ErrorCodes.CONTRIBUTION_INCOMPATIBLE, message);

/**
 * The task's contribution settings with every default filled in (reward and selection included),
 * or the input as it is when it is not an object (the schema check then names it).
 * @example completeContribution({ enabled: true }); // { enabled: true, method: 'gtg', validation: { examples: 1000 }, reward: { kind: 'proportional', … }, … }
 */
export function completeContribution(input: unknown): unknown {
  if (!isPlainObject(input)) return input;
  const spec = Value.Default(ContributionSpec, structuredClone(input)) as Record<string, unknown>;
  // A value that is not an object stays, for the schema check to name.
  if (spec.reward === undefined || isPlainObject(spec.reward)) spec.reward = Value.Default(RewardSpec, spec.reward ?? {});
  if (spec.selection === undefined || isPlainObject(spec.selection)) spec.selection = Value.Default(ContributionSelectionSpec, spec.selection ?? {});
  return spec;
}

/** True when the task values its clients' updates. */
export function assessesContribution(config: TaskConfig): config is TaskConfig & { contribution: ContributionSpec } {
  return config.contribution?.enabled === true;
}

/**
 * Refuses, with FLT_CONTRIBUTION_INCOMPATIBLE, what contribution assessment cannot run on:
 * - secure aggregation: the coordinator learns only the sum of the updates, never one client's,
 *   so there is nothing per client to value (group-level values per SecAgg+ neighbourhood are not
 *   offered: a neighbourhood's sum would still need its own unmasking);
 * - client-level DP or DP-SGD: values computed from single unnoised updates would disclose what the
 *   accountant's ε does not cover (client-level DP never has them; DP-SGD's ε assumes only their mean is released);
 * - asynchronous (FedBuff) tasks: their buffers mix updates trained from different model versions,
 *   so no coalition shares one base model;
 * - a task without a dataset and without `contribution.validation.dataset`: no validation data.
 * FedPer / FedRep tasks are valued on the body the clients send, with the head of the global model.
 * @example checkContribution(resolved); // in resolveTaskConfig, after the schema check
 */
export function checkContribution(config: TaskConfig): void {
  if (!assessesContribution(config)) return;
  const { secureAggregation, differentialPrivacy, dpSgd } = config.privacy;
  if (secureAggregation?.enabled) {
    throw incompatible('contribution cannot be assessed under privacy.secureAggregation: the coordinator sees only the sum of the updates, never a single client\'s, so no client can be valued');
  }
  if (differentialPrivacy.enabled) {
    throw incompatible('contribution cannot be assessed under privacy.differentialPrivacy: it releases only a clipped, noised mean, and values of single unnoised updates are not covered by the accountant\'s ε');
  }
  if (dpSgd?.enabled) {
    throw incompatible('contribution cannot be assessed under privacy.dpSgd: values computed from single updates are not covered by the sample-level accountant\'s ε');
  }
  if (config.asynchronous?.enabled) {
    throw incompatible('contribution cannot be assessed for an asynchronous task: a buffer mixes updates trained from different model versions, so no coalition model can be rebuilt');
  }
  if (config.data.dataset === undefined && config.contribution.validation.dataset === undefined) {
    throw incompatible('contribution needs validation data at the coordinator: this task has no dataset (clients bring their own data); name a registered one in contribution.validation.dataset');
  }
}
