// A personalised task's panel: what stays on the clients, and per evaluation the share of clients
// whose personal model beats the global one (and the local-only one), the mean gain over rounds,
// and the latest evaluation's per-client table (global, personal, local-only).

import { useMemo } from 'react';
import type uPlot from 'uplot';
import type { FederatedSummary, TaskView } from './api.ts';
import { fmtAcc } from './format.ts';
import { UPlotChart } from './UPlotChart.tsx';
import { describePersonalization, personalizationHeadline } from './personalizationView.ts';

export function PersonalizationPanel({ task, evaluations }: { task: TaskView; evaluations: FederatedSummary[] }) {
  const spec = task.config.personalization;
  const personal = useMemo(() => evaluations.filter((e) => e.personalization), [evaluations]);
  const data = useMemo(() => [
    personal.map((e) => e.round),
    personal.map((e) => e.personalization!.beatsGlobal),
    personal.map((e) => e.personalization!.beatsBoth),
    personal.map((e) => e.personalization!.meanGain),
  ] as uPlot.AlignedData, [personal]);
  if (!spec || spec.mode === 'none') return null;
  const last = personal.at(-1) ?? null;
  const summary = last?.personalization ?? null;
  return (
    <section className="panel" data-testid="dashboard.personalization">
      <h2>Personalisation</h2>
      <p data-testid="dashboard.personalization.mode">{describePersonalization(spec)}</p>
      {summary && last ? (
        <>
          <p className="delta" data-testid="dashboard.personalization.summary">round {last.round}: {personalizationHeadline(summary, last.metric)}</p>
          {personal.length > 1 ? (
            <div className="charts">
              <UPlotChart id="personalization" title="Share of clients whose personal model beats the global (and both), mean gain" yLabel="share / gain" data={data}
                series={[
                  { label: 'beats global', stroke: '#1a7f37' }, { label: 'beats global and local-only', stroke: '#1f6feb' },
                  { label: 'mean gain', stroke: '#bf8700', dash: [4, 3] },
                ]} />
            </div>
          ) : null}
          <table data-testid="dashboard.personalization.clients">
            <thead><tr><th>client</th><th>global {last.metric}</th><th>personal</th><th>local-only</th></tr></thead>
            <tbody>
              {summary.perClient.map((c) => (
                <tr key={c.clientId} data-testid="dashboard.personalization.client">
                  <td title={c.clientId}>{c.clientId.slice(0, 8)}</td><td>{fmtAcc(c.global)}</td><td>{fmtAcc(c.personal)}</td><td>{fmtAcc(c.localOnly)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : <p className="muted">No evaluation with personal models yet (enable federated evaluation to compare them).</p>}
    </section>
  );
}
