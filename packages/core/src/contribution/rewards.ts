// The operator's reward pool split by cumulative contribution: proportional to each client's
// positive cumulative value, or proportional among those above a threshold share.

/** How a pool is split (structurally the protocol's RewardSpec; core imports no protocol). */
export interface RewardSplit {
  kind: 'proportional' | 'threshold';
  pool: number;
  /** `threshold`: the smallest share of the positive total (0–1) that earns a reward. */
  threshold: number;
}

/** One client's part of the pool. */
export interface RewardShare {
  /** 0–1; the shares of the rewarded clients sum to 1 (all 0 when nobody is rewarded). */
  share: number;
  reward: number;
}

/**
 * Splits `reward.pool` among clients by cumulative value. A value ≤ 0 earns nothing (a free rider
 * or a harmful client is not paid for harm). `proportional`: share = value / Σ positive values.
 * `threshold`: clients whose proportional share is below `threshold` get nothing, the rest split
 * the whole pool proportionally. Nobody positive (or nobody above the threshold): all shares 0.
 * @example
 * splitRewards({ a: 3, b: 1, c: -2 }, { kind: 'proportional', pool: 100, threshold: 0 });
 * // Map { a → { share: 0.75, reward: 75 }, b → { share: 0.25, reward: 25 }, c → { share: 0, reward: 0 } }
 */
export function splitRewards(
  cumulative: ReadonlyMap<string, number> | Readonly<Record<string, number>>, reward: RewardSplit,
): Map<string, RewardShare> {
  const entries = cumulative instanceof Map ? [...cumulative.entries()] : Object.entries(cumulative);
  const positiveTotal = entries.reduce((sum, [, v]) => sum + Math.max(v, 0), 0);
  const earns = (v: number): boolean => {
    if (!(v > 0)) return false;
    switch (reward.kind) {
      case 'proportional': return true;
      case 'threshold': return v / positiveTotal >= reward.threshold;
      default: {
        const never: never = reward.kind;
        throw new Error(`unknown reward split ${String(never)}`);
      }
    }
  };
  const paidTotal = entries.reduce((sum, [, v]) => sum + (earns(v) ? v : 0), 0);
  const split = new Map<string, RewardShare>();
  for (const [id, v] of entries) {
    const share = paidTotal > 0 && earns(v) ? v / paidTotal : 0;
    split.set(id, { share, reward: share * reward.pool });
  }
  return split;
}
