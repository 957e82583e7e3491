// What an asynchronous (FedBuff) task may combine with, checked when the task is created: each
// refusal is FLT_INVALID_TASK naming the field and why.

import { STRATEGY_TRAITS } from '@flotilla/core';
import { ErrorCodes, FlotillaError, type TaskConfig } from '@flotilla/protocol';

/** True when the task commits a version per buffer of K updates instead of running rounds. */
export function isAsynchronous(config: TaskConfig): boolean {
  return config.asynchronous?.enabled === true;
}

/**
 * Refuses what buffered asynchronous aggregation cannot run soundly:
 * - secure aggregation: its masks cancel only over a set of clients fixed before anyone masks,
 *   while a buffer fills with whichever K clients finish first;
 * - DP-SGD: its budget is checked on the clients a round selects before they train;
 * - federated evaluation: it asks clients that are busy training (the central test set evaluates);
 * - a server learning rate η_g ≠ 1 where the strategy does not apply a plain mean update
 *   (client-level DP forms its own noised mean; robust rules combine the buffer's updates);
 * - Krum with a buffer smaller than 2f + 3;
 * - under client-level DP or a robust rule, a buffer larger than fit.minAvailableClients (K distinct
 *   clients fill it).
 * @example checkAsynchronous(resolved); // throws FLT_INVALID_TASK at asynchronous.bufferSize for Krum with K = 3
 */
export function checkAsynchronous(config: TaskConfig): void {
  const spec = config.asynchronous;
  if (!spec?.enabled) return;
  const refuse = (message: string): never => { throw new FlotillaError(ErrorCodes.INVALID_TASK, message); };
  if (config.privacy.secureAggregation?.enabled) {
    refuse('asynchronous cannot be combined with privacy.secureAggregation: pairwise masks cancel only over clients fixed before masking, an asynchronous buffer takes whichever finish first');
  }
  if (config.privacy.dpSgd?.enabled) {
    refuse('asynchronous cannot be combined with privacy.dpSgd: its privacy budget is checked per round of selected clients (use privacy.differentialPrivacy, accounted per commit)');
  }
  if (config.evaluation?.federated) {
    refuse('asynchronous cannot be combined with evaluation.federated: clients train continuously; use a central test set (data.testDataset) for evaluation and the target accuracy');
  }
  const strategy = config.strategy.name;
  const robust = STRATEGY_TRAITS[strategy].needsEveryUpdate;
  const dp = config.privacy.differentialPrivacy.enabled;
  if (spec.serverLearningRate !== 1 && (robust || dp)) {
    refuse(`asynchronous.serverLearningRate must be 1 with ${dp ? 'privacy.differentialPrivacy' : `strategy ${strategy}`}: it scales a mean update, which ${dp ? 'DP-FedAvg forms and noises itself' : 'a robust rule does not form'} (use strategy.serverLearningRate where the strategy has one)`);
  }
  if (strategy === 'krum') {
    const f = config.strategy.byzantine ?? 1;
    if (spec.bufferSize < 2 * f + 3) refuse(`asynchronous.bufferSize ${spec.bufferSize} is too small for Krum with f = ${f}: each buffer needs at least 2f + 3 = ${2 * f + 3} updates`);
  }
  // Under DP or a robust rule a client is in a buffer at most once (AsyncLoop.dispatch): K distinct
  // clients must be there to fill it, and plans go out only with minAvailableClients connected, so a
  // larger K could wait forever on a fleet that meets every other condition.
  if ((dp || robust) && spec.bufferSize > config.fit.minAvailableClients) {
    const why = dp ? 'privacy.differentialPrivacy' : `strategy ${strategy}`;
    refuse(`asynchronous.bufferSize ${spec.bufferSize} exceeds fit.minAvailableClients ${config.fit.minAvailableClients}: under ${why} each buffer needs K distinct clients (raise fit.minAvailableClients to at least K)`);
  }
}
