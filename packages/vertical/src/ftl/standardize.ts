// Per-column standardisation a party applies to its own table before FTL, from its own rows only (nothing is exchanged).
import type { VerticalPartyTable } from '@flotilla/data';

/**
 * The table with every feature column (and its test rows) shifted and scaled by the mean and
 * standard deviation of the party's own rows: tanh networks learn far faster on centred inputs,
 * and each party can do it alone.
 * @example const table = standardizedTable(await ownPartyData('shop.csv', 'host'));
 */
export function standardizedTable<T extends VerticalPartyTable>(table: T): T {
  const d = table.featureCount;
  const n = table.features.length / d;
  const mean = new Float64Array(d);
  const variance = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += table.features[i * d + j]! / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) variance[j]! += (table.features[i * d + j]! - mean[j]!) ** 2 / n;
  // A constant column stays 0 instead of dividing by zero.
  const scale = Float64Array.from(variance, (v) => 1 / Math.sqrt(v + 1e-3));
  const apply = (x: Float32Array): Float32Array => x.map((v, k) => (v - mean[k % d]!) * scale[k % d]!);
  return { ...table, features: apply(table.features), ...(table.testFeatures ? { testFeatures: apply(table.testFeatures) } : {}) };
}
