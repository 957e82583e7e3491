// Rank correlations between two valuations of the same players (an estimate against exact
// Shapley): Spearman's ρ on average ranks and Kendall's τ-b, both handling ties.

import { ContributionError } from './errors.ts';

/**
 * Spearman's ρ: Pearson correlation of the average ranks (tied values share their mean rank).
 * NaN when either side is constant (the correlation is undefined) or shorter than 2.
 * @example spearman([1, 2, 3], [10, 30, 20]); // 0.5
 */
export function spearman(a: readonly number[], b: readonly number[]): number {
  checkPaired(a, b);
  return pearson(averageRanks(a), averageRanks(b));
}

/**
 * Kendall's τ-b: (concordant − discordant) / √((n₀ − tiesₐ)(n₀ − ties_b)), n₀ = n(n−1)/2.
 * NaN when either side is constant or shorter than 2.
 * @example kendallTau([1, 2, 3], [1, 3, 2]); // 1/3
 */
export function kendallTau(a: readonly number[], b: readonly number[]): number {
  checkPaired(a, b);
  let concordant = 0, discordant = 0, tiesA = 0, tiesB = 0, pairs = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      pairs++;
      const da = Math.sign(a[i]! - a[j]!);
      const db = Math.sign(b[i]! - b[j]!);
      if (da === 0) tiesA++;
      if (db === 0) tiesB++;
      if (da * db > 0) concordant++;
      else if (da * db < 0) discordant++;
    }
  }
  const denominator = Math.sqrt((pairs - tiesA) * (pairs - tiesB));
  return denominator > 0 ? (concordant - discordant) / denominator : NaN;
}

function checkPaired(a: readonly number[], b: readonly number[]): void {
  if (a.length !== b.length) throw new ContributionError('CONTRIBUTION_INVALID_GAME', `rank correlation of ${a.length} and ${b.length} values`);
}

function averageRanks(values: readonly number[]): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((x, y) => x.v - y.v);
  const ranks = new Array<number>(values.length);
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]!.v === order[start]!.v) end++;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) ranks[order[k]!.i] = rank;
    start = end + 1;
  }
  return ranks;
}

function pearson(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  if (n < 2) return NaN;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx, dy = y[i]! - my;
    sxy += dx * dy; sxx += dx * dx; syy += dy * dy;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : NaN;
}
