// Sums the snapshots of several load processes into one; latency percentiles are taken as the
// worst process's (a bound, since the samples themselves stay in their processes), and rounds as
// the most any process heard end.

import type { LoadSnapshot } from './loadStats.ts';

type Summary = LoadSnapshot['heartbeatMs'];

/**
 * One snapshot for the whole run.
 * @example mergeSnapshots([a, b]).connected === a.connected + b.connected
 */
export function mergeSnapshots(snapshots: readonly LoadSnapshot[]): LoadSnapshot {
  const sum = (pick: (s: LoadSnapshot) => number) => snapshots.reduce((a, s) => a + pick(s), 0);
  const worst = (pick: (s: LoadSnapshot) => Summary): Summary => {
    const max = (k: keyof Summary) => snapshots.reduce<number | null>((a, s) => (pick(s)[k] === null ? a : Math.max(a ?? -Infinity, pick(s)[k]!)), null);
    return { p50: max('p50'), p95: max('p95'), p99: max('p99'), max: max('max') };
  };
  const merge = (pick: (s: LoadSnapshot) => Record<string, number>) => {
    const out: Record<string, number> = {};
    for (const s of snapshots) for (const [k, v] of Object.entries(pick(s))) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  return {
    attempts: sum((s) => s.attempts), open: sum((s) => s.open), welcomed: sum((s) => s.welcomed), resumed: sum((s) => s.resumed),
    connected: sum((s) => s.connected), plans: sum((s) => s.plans), updates: sum((s) => s.updates), acked: sum((s) => s.acked),
    bytesUp: sum((s) => s.bytesUp), injectedDrops: sum((s) => s.injectedDrops),
    unexpectedCloses: merge((s) => s.unexpectedCloses), counts: merge((s) => s.counts),
    // Processes share rounds: the most any one heard is the closest bound on the distinct total.
    rounds: { committed: Math.max(0, ...snapshots.map((s) => s.rounds.committed)), abandoned: Math.max(0, ...snapshots.map((s) => s.rounds.abandoned)) },
    heartbeatMs: worst((s) => s.heartbeatMs), heartbeats: sum((s) => s.heartbeats), roundMs: worst((s) => s.roundMs),
    rssMB: sum((s) => s.rssMB), heapUsedMB: sum((s) => s.heapUsedMB),
  };
}
