// Task-creation check that a secure round's fixed-point sum cannot wrap: every masked word (the
// values and the example-count weight) is summed mod 2^32 over the clients of a round.

import { isPrivacyError, weightedFixedPointConfig } from '@flotilla/privacy';
import { ErrorCodes, FlotillaError, type TaskConfig } from '@flotilla/protocol';
import { maxExamplesPerClient } from './exampleCounts.ts';

/**
 * The most clients a round selects when the whole population (`data.partition.numClients`) is
 * online: m = max(minFitClients, ⌈C·N⌉), times the over-selection factor (as planFit counts).
 * @example maxClientsPerRound(config); // 100 clients, C = 0.1, over-selection 1.3 → 13
 */
export function maxClientsPerRound(config: TaskConfig): number {
  const { fit } = config;
  const goal = Math.max(fit.minFitClients, Math.ceil(fit.fractionFit * config.data.partition.numClients - 1e-9));
  return Math.ceil(goal * fit.overSelection - 1e-9);
}

/**
 * Throws FLT_INVALID_TASK when a secure round of this task could wrap its sum: the weight word
 * adds up to (clients per round) × maxExamplesPerClient, which must stay below 2^32 (1 per client
 * under DP, whose weights are 1), and the value words need fewer than 2^31 clients. The codec of
 * each round checks the same bound against the clients actually selected.
 */
export function checkSecAggEncoding(config: TaskConfig): void {
  const spec = config.privacy.secureAggregation;
  if (!spec?.enabled) return;
  const clients = maxClientsPerRound(config);
  const cap = config.privacy.differentialPrivacy.enabled ? 1 : maxExamplesPerClient(config);
  try {
    weightedFixedPointConfig({ clip: spec.clip, maxSummands: clients, maxWeight: cap });
  } catch (err) {
    if (!isPrivacyError(err)) throw err;
    throw new FlotillaError(ErrorCodes.INVALID_TASK,
      `secure aggregation of up to ${clients} clients per round (fractionFit × numClients, minFitClients, overSelection) with up to ${cap} examples each (limits.maxExamplesPerClient) could wrap the 32-bit sum: ${err.message}; lower limits.maxExamplesPerClient or the clients per round`);
  }
}

/**
 * Throws FLT_BAD_EXAMPLE_COUNT when an unmasked weight sum exceeds what the survivors declared at
 * hello (each capped). The coordinator never sees a single client's weight word, but an honest
 * client encodes exactly its declared count, so a larger total means some client encoded a weight
 * it never declared to claim more of the mean; the round is then abandoned instead of committed.
 * A client can still shift the mean within its own declared weight and the per-coordinate clip.
 * @example checkSecureWeight(1200, [600, 600]); // passes; checkSecureWeight(9000, [600, 600]) throws
 */
export function checkSecureWeight(totalWeight: number, declared: readonly number[]): void {
  const ceiling = declared.reduce((a, b) => a + b, 0);
  if (totalWeight > ceiling) {
    throw new FlotillaError(ErrorCodes.BAD_EXAMPLE_COUNT,
      `the ${declared.length} surviving clients' masked weights sum to ${totalWeight}, more than the ${ceiling} examples they declared: a client encoded a weight it did not declare`);
  }
}
