// The memo every estimator shares: each coalition's utility is measured once per round (a
// measurement is a sub-model evaluation on the validation split), and the count of distinct
// coalitions is the cost an estimator reports.

import type { CoalitionUtility } from './types.ts';
import { ContributionError } from './errors.ts';

/**
 * Memoises a {@link CoalitionUtility} by coalition. Members may come in any order; the utility
 * is always called with them ascending. Concurrent requests for one coalition share one call.
 * @example
 * const cache = new CoalitionCache(utility);
 * await cache.value([2, 0]); await cache.value([0, 2]); // utility([0, 2]) called once
 * cache.evaluations; // 1
 */
export class CoalitionCache {
  private readonly memo = new Map<string, Promise<number>>();

  constructor(private readonly utility: CoalitionUtility) {}

  /** Distinct coalitions measured so far. */
  get evaluations(): number {
    return this.memo.size;
  }

  /** The coalition's utility, measured on first request. */
  value(members: readonly number[]): Promise<number> {
    // A copy: callers (gtg's growing prefix) keep mutating their array after asking.
    const sorted = [...members].sort((a, b) => a - b);
    const key = sorted.join(',');
    let pending = this.memo.get(key);
    if (pending === undefined) {
      pending = this.measure(sorted);
      this.memo.set(key, pending);
    }
    return pending;
  }

  private async measure(members: readonly number[]): Promise<number> {
    const u = await this.utility(members);
    if (typeof u !== 'number' || !Number.isFinite(u)) {
      throw new ContributionError('CONTRIBUTION_UTILITY_NOT_FINITE', `utility of coalition [${members.join(', ')}] is ${String(u)}`);
    }
    return u;
  }
}

/** Throws unless `n` is a non-negative integer player count. */
export function checkPlayers(n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new ContributionError('CONTRIBUTION_INVALID_GAME', `player count must be a non-negative integer, got ${n}`);
}

/** 0, 1, …, n − 1. */
export function allPlayers(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
