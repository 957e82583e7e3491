// The rows every party's table holds, paired by ID, in one process: what the plaintext baselines train on.
import type { VerticalPartyTable } from '@flotilla/data';
import { VerticalError } from './VerticalError.ts';

/** Guest features and labels, and each host's features, of the shared rows in the guest's order. */
export interface SharedRows {
  rows: number;
  guestFeatures: Float32Array;
  labels: Uint8Array;
  hostFeatures: Float32Array[];
}

/**
 * Pairs the guest's rows with every host's by ID and keeps those all tables hold (VFL_BAD_PARAMETER
 * if none, or if the guest has no labels). Only where one process may hold every table: a simulation.
 * @example const { guestFeatures, hostFeatures } = sharedRows(guest, [host, host2]);
 */
export function sharedRows(guest: VerticalPartyTable, hosts: readonly VerticalPartyTable[]): SharedRows {
  if (!guest.labels || !guest.testLabels) throw new VerticalError('VFL_BAD_PARAMETER', 'the guest table needs labels and test labels');
  const rowOf = hosts.map((h) => new Map(h.ids.map((id, i) => [id, i])));
  const shared: { g: number; h: number[] }[] = [];
  guest.ids.forEach((id, g) => {
    const h = rowOf.map((m) => m.get(id));
    if (h.every((r) => r !== undefined)) shared.push({ g, h: h as number[] });
  });
  if (shared.length === 0) throw new VerticalError('VFL_BAD_PARAMETER', 'the tables share no rows');
  const dg = guest.featureCount;
  const guestFeatures = new Float32Array(shared.length * dg);
  const labels = new Uint8Array(shared.length);
  const hostFeatures = hosts.map((h) => new Float32Array(shared.length * h.featureCount));
  shared.forEach(({ g, h }, k) => {
    guestFeatures.set(guest.features.subarray(g * dg, (g + 1) * dg), k * dg);
    labels[k] = guest.labels![g]!;
    hosts.forEach((t, p) => hostFeatures[p]!.set(t.features.subarray(h[p]! * t.featureCount, (h[p]! + 1) * t.featureCount), k * t.featureCount));
  });
  return { rows: shared.length, guestFeatures, labels, hostFeatures };
}
