// Device-aware work in the round in flight: the local steps each reporting client was asked for
// and did, partial work marked.

import type { RoundWorkView } from '@flotilla/protocol';

/**
 * The steps table; nothing when no client reported steps (fixed work on older clients, secure rounds).
 * @example <RoundWork work={round.work ?? []} />
 */
export function RoundWork({ work }: { work: readonly RoundWorkView[] }) {
  if (work.length === 0) return null;
  return (
    <table className="round-work" data-testid="dashboard.round.work">
      <caption>Local work (steps planned / done)</caption>
      <thead><tr><th>client</th><th>planned</th><th>done</th></tr></thead>
      <tbody>
        {work.map((w) => (
          <tr key={w.clientId} data-testid="dashboard.round.work.client" data-partial={w.localSteps < w.plannedSteps}>
            <td title={w.clientId}>{w.clientId.slice(0, 8)}</td>
            <td>{w.plannedSteps}</td>
            <td>{w.localSteps}{w.localSteps < w.plannedSteps ? ' (partial)' : ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
