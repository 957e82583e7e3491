// The fleet's closing standings table for a task with contribution assessment: every valued client
// by rank with its partition, cumulative value, rounds valued, share and reward, the clients the
// fleet made noisy (--byzantine) or duplicate (--duplicate) named, so a run shows where they ranked.

import type { ClientView, ContributionView } from '@flotilla/protocol';
import { requestJson, type CoordinatorLink } from './coordinatorLink.ts';

/** What the fleet did to its clients, by partition index, to name them in the table. */
export interface FleetRoles {
  /** Partition indices of the attacking clients, and the attack's name. */
  byzantine: { attack: string; clients: readonly number[] } | null;
  duplicate: number | null;
}

const signed = (v: number | null) => (v === null ? '—' : `${v > 0 ? '+' : ''}${v.toFixed(4)}`);

function role(partition: number | null, roles: FleetRoles): string {
  if (partition === null) return '';
  const notes = [
    ...(roles.byzantine?.clients.includes(partition) ? [roles.byzantine.attack] : []),
    ...(roles.duplicate === partition ? ['duplicate of 0'] : []),
    ...(roles.duplicate !== null && partition === 0 ? ['duplicated'] : []),
  ];
  return notes.join(', ');
}

/**
 * The table's lines: a header, then one line per client by rank.
 * @example formatStandings(view, new Map([['c1', 0]]), { byzantine: null, duplicate: null }) // ['contribution (gtg, accuracy on …): …', 'rank  partition  client  …', '   1          0  c1…']
 */
export function formatStandings(view: ContributionView, partitions: ReadonlyMap<string, number | null>, roles: FleetRoles): string[] {
  const head = `contribution standings (${view.method}, ${view.metric} on ${view.validation}; ${view.rounds.length} rounds valued, `
    + `${view.rounds.reduce((n, r) => n + r.evaluations, 0)} sub-model evaluations; reward ${view.reward.kind}, pool ${view.reward.pool})`;
  const columns = `${'rank'.padStart(4)}  ${'partition'.padStart(9)}  ${'client'.padEnd(8)}  ${'cumulative'.padStart(10)}  ${'rounds'.padStart(6)}  ${'share'.padStart(7)}  ${'reward'.padStart(9)}  ${'weight'.padStart(6)}  role`;
  const rows = [...view.standings].sort((a, b) => a.rank - b.rank).map((s) => {
    const partition = partitions.get(s.clientId) ?? null;
    return `${String(s.rank).padStart(4)}  ${(partition === null ? '—' : String(partition)).padStart(9)}  ${s.clientId.slice(0, 8).padEnd(8)}  `
      + `${signed(s.cumulative).padStart(10)}  ${String(s.rounds).padStart(6)}  ${`${(s.share * 100).toFixed(1)} %`.padStart(7)}  `
      + `${s.reward.toFixed(2).padStart(9)}  ${s.selectionWeight.toFixed(2).padStart(6)}  ${role(partition, roles)}`.trimEnd();
  });
  return [head, columns, ...rows];
}

/**
 * A valued round as the fleet prints it when its `contribution.round` event arrives.
 * @example formatContributionLine(event.data) // 'contribution of round 3: exact, accuracy 0.7120 → 0.7433, 32 sub-models in 412 ms'
 */
export function formatContributionLine(d: Readonly<Record<string, unknown>>): string {
  const truncated = d.truncated === true ? ' (gain below the round tolerance: every value 0)' : '';
  return `contribution of round ${Number(d.round)}: ${String(d.method)}, ${String(d.metric)} ${Number(d.baseUtility).toFixed(4)} → ${Number(d.fullUtility).toFixed(4)}, `
    + `${Number(d.evaluations)} sub-models in ${Math.round(Number(d.elapsedMs))} ms${truncated}`;
}

/** How long the table waits for the last committed round's valuation, which trails its commit. */
const LAST_VALUATION_WAIT_MS = 30_000;

/**
 * The task's contribution view (once it holds `lastCommitted`'s valuation, or after a bounded wait)
 * and each client's partition (`known` by the fleet, else as the operator API lists it); null when
 * the task values no contribution.
 * @example const standings = await fetchStandings(url, taskId, token, link, 20);
 */
export async function fetchStandings(
  url: string, taskId: string, token: string | null, link: CoordinatorLink, lastCommitted: number, known: ReadonlyMap<string, number> = new Map(),
  progress: (line: string) => void = () => {},
): Promise<{ view: ContributionView; partitions: Map<string, number | null> } | null> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const read = () => link.retry('contributions', () => requestJson<ContributionView>(`${url}/api/tasks/${taskId}/contributions`, { headers }));
  let view = await read();
  if (!view.enabled) return null;
  const until = Date.now() + LAST_VALUATION_WAIT_MS;
  let told = -1;
  while ((view.rounds.at(-1)?.round ?? 0) < lastCommitted && Date.now() < until && !link.signal.aborted) {
    const valued = view.rounds.at(-1)?.round ?? 0;
    // Valuations trail their commits: say how far they are each time one more is done.
    if (valued !== told) progress(`waiting for the contribution valuations: ${valued} of ${lastCommitted} rounds valued…`);
    told = valued;
    await new Promise((r) => setTimeout(r, 500));
    view = await read();
  }
  const { clients } = await link.retry('clients', () => requestJson<{ clients: ClientView[] }>(`${url}/api/clients`, { headers }));
  // Clients that already left are no longer listed with a partition: the fleet's own record fills in.
  return { view, partitions: new Map([...clients.map((c) => [c.id, c.partitionIndex] as const), ...known]) };
}
