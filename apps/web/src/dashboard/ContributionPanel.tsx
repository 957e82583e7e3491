// A task's contribution panel (tasks with contribution assessment only): the clients ranked by
// cumulative Shapley value with reward share, reward and selection weight (the policy's excluded
// and down-weighted clients marked), each client's cumulative value over rounds, every valued
// round's method, evaluations and time, the standings as CSV, and the operator's reward split.

import { useMemo } from 'react';
import type uPlot from 'uplot';
import type { ContributionRoundView } from '@flotilla/protocol';
import type { TaskView } from './api.ts';
import type { ContributionActivity } from './store.ts';
import { RewardForm } from './RewardForm.tsx';
import { UPlotChart } from './UPlotChart.tsx';
import { useContribution } from './useContribution.ts';
import {
  clientColor, contributionCsvPath, cumulativeSeries, describeRound, fmtReward, fmtShare, fmtValue, rankedRows, withLiveRounds,
} from './contributionView.ts';

const NO_ROUNDS: ContributionRoundView[] = [];
const short = (id: string) => id.slice(0, 8);

export function ContributionPanel({ task, liveRounds = NO_ROUNDS, activity = null }: {
  task: TaskView; liveRounds?: ContributionRoundView[]; activity?: ContributionActivity | null;
}) {
  const enabled = task.config.contribution?.enabled === true;
  const latest = liveRounds.reduce((m, r) => Math.max(m, r.round), 0);
  const { view: fetched, error, setReward } = useContribution(enabled ? task.id : null, latest);
  const view = useMemo(() => (fetched ? withLiveRounds(fetched, liveRounds) : null), [fetched, liveRounds]);
  const rows = useMemo(() => (view ? rankedRows(view) : []), [view]);
  const chart = useMemo(() => {
    const clients = rows.map((r) => r.clientId);
    return { clients, data: (view ? cumulativeSeries(view.rounds, clients) : [[]]) as uPlot.AlignedData };
  }, [view, rows]);
  if (!enabled) return null;

  return (
    <section className="panel" data-testid="dashboard.contribution">
      <h2>Contribution</h2>
      {error ? <p className="error" role="alert" data-testid="dashboard.contribution.error">{error}</p> : null}
      {activity?.kind === 'valuing' ? (
        <p data-testid="dashboard.contribution.progress" data-round={activity.round}>
          valuing round {activity.round} ({activity.method}, {activity.players} reports): {activity.evaluations} sub-models evaluated…
        </p>
      ) : null}
      {activity?.kind === 'failed' ? (
        <p className="error" data-testid="dashboard.contribution.failed" data-round={activity.round}>
          round {activity.round} could not be valued ({activity.code}: {activity.reason}); its model was committed all the same
        </p>
      ) : null}
      {!view ? <p className="muted">Loading the standings…</p> : (
        <>
          <p data-testid="dashboard.contribution.method" data-method={view.method}>
            {view.method === 'gtg' ? 'GTG-Shapley' : view.method === 'exact' ? 'exact Shapley' : 'leave-one-out'} values of each client&apos;s updates;
            utility: {view.metric} on {view.validation}
            {view.selection.policy === 'uniform' ? '' : ` · selection: ${view.selection.policy} clients whose cumulative value is negative after ${view.selection.minRounds} valued rounds`}
          </p>
          {rows.length === 0 ? <p className="muted">No round valued yet.</p> : (
            <table data-testid="dashboard.contribution.table">
              <thead>
                <tr>
                  <th>rank</th><th>client</th><th>cumulative value</th><th>rounds valued</th><th>last value</th>
                  <th>share</th><th>reward</th><th>selection weight</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.clientId} data-testid="dashboard.contribution.row" data-client-id={r.clientId} data-rank={r.rank} data-share={r.share} data-mark={r.mark ?? ''}>
                    <td>{r.rank}</td>
                    <td title={r.clientId}>{short(r.clientId)}</td>
                    <td data-testid="dashboard.contribution.cumulative">{fmtValue(r.cumulative)}</td>
                    <td>{r.rounds}</td>
                    <td>{fmtValue(r.lastValue)}</td>
                    <td data-testid="dashboard.contribution.share">{fmtShare(r.share)}</td>
                    <td data-testid="dashboard.contribution.reward-amount">{fmtReward(r.reward)}</td>
                    <td data-testid="dashboard.contribution.weight" className={r.mark ? 'error' : undefined}>
                      {r.selectionWeight.toFixed(2)}{r.mark ? ` (${r.mark})` : ''}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <p>
            <a href={contributionCsvPath(task.id)} download={`contributions-${task.id}.csv`} data-testid="dashboard.contribution.csv">Download the standings (CSV)</a>
            {' · '}
            <a href={contributionCsvPath(task.id, true)} download={`contributions-rounds-${task.id}.csv`} data-testid="dashboard.contribution.csv-rounds">every round&apos;s values (CSV)</a>
          </p>
          {view.rounds.length > 0 ? (
            <div className="charts">
              <UPlotChart id="contribution" title="Cumulative contribution per client" yLabel={`Σ value (${view.metric})`} data={chart.data}
                series={chart.clients.map((c, k) => ({ label: short(c), stroke: clientColor(k) }))} />
            </div>
          ) : null}
          {view.rounds.length > 0 ? (
            <details data-testid="dashboard.contribution.rounds" open={view.rounds.length <= 5}>
              <summary>Valued rounds ({view.rounds.length})</summary>
              <ul className="log">
                {[...view.rounds].reverse().map((r) => (
                  <li key={r.round} data-testid="dashboard.contribution.round" data-round={r.round} data-method={r.method} data-evaluations={r.evaluations}>{describeRound(r)}</li>
                ))}
              </ul>
            </details>
          ) : null}
          <h3 className="small">Reward split</h3>
          <RewardForm reward={view.reward} onSave={setReward} />
        </>
      )}
    </section>
  );
}
