// What a task may ask of the edge hierarchy (`--nats`): the settings it cannot honour yet are
// refused at task creation with FLT_HIERARCHY_UNSUPPORTED, naming the field and why.

import { STRATEGIES } from '@flotilla/core';
import { ErrorCodes, FlotillaError, type TaskConfig } from '@flotilla/protocol';
import { isAsynchronous } from '../engine/asynchronousConfig.ts';
import { personalizationOf } from '../engine/personalLayout.ts';
import { secureAggregationOf } from '../engine/SecureRound.ts';
import { usesFedNova } from '../engine/workConfig.ts';

/** One setting the hierarchy refuses: the field it names, when it applies, and why. */
export interface HierarchyLimit {
  readonly field: string;
  readonly applies: (config: TaskConfig) => boolean;
  readonly why: string;
}

/**
 * Edges fold their clients' updates into one example-weighted sum each, so the root sees per-edge
 * sums only: whatever needs single updates, or masks across clients of several edges, is refused.
 */
export const HIERARCHY_LIMITS: readonly HierarchyLimit[] = [
  {
    field: 'privacy.secureAggregation',
    applies: (c) => secureAggregationOf(c) !== null,
    why: 'secure aggregation runs in one process; SecAgg+ within an edge is not built yet',
  },
  {
    field: 'privacy.differentialPrivacy',
    applies: (c) => c.privacy.differentialPrivacy.enabled,
    why: 'client-level DP clips each update before the sum; edges do not clip yet, so the root cannot add calibrated noise once',
  },
  {
    field: 'strategy.name',
    applies: (c) => STRATEGIES[c.strategy.name].needsEveryUpdate,
    why: 'a robust rule (median, trimmed mean, Krum, centered clipping) needs every update, and edges forward sums only',
  },
  {
    field: 'fit.work',
    applies: (c) => usesFedNova(c),
    why: 'FedNova normalises each update by its local steps; edges sum updates unnormalised',
  },
  {
    field: 'asynchronous',
    applies: (c) => isAsynchronous(c),
    why: 'asynchronous (FedBuff) tasks aggregate per buffer in one process; edges fold per round',
  },
  {
    field: 'personalization',
    applies: (c) => personalizationOf(c) !== null,
    why: 'personalised updates carry part of the model; edges fold whole-model updates only',
  },
  {
    field: 'contribution',
    applies: (c) => c.contribution?.enabled === true,
    why: 'contribution assessment needs each client\'s update, and edges forward sums only',
  },
];

/**
 * Throws FLT_HIERARCHY_UNSUPPORTED naming the first setting the hierarchy cannot honour.
 * @example assertHierarchySupports(config); // in TaskManager.create when the root runs with --nats
 */
export function assertHierarchySupports(config: TaskConfig, code: typeof ErrorCodes.HIERARCHY_UNSUPPORTED | typeof ErrorCodes.INVALID_TASK = ErrorCodes.HIERARCHY_UNSUPPORTED): void {
  const limit = HIERARCHY_LIMITS.find((l) => l.applies(config));
  if (limit) throw new FlotillaError(code, `${limit.field}: not supported across edges (--nats): ${limit.why}`);
}
