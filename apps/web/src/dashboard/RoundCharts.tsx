// Charts per round: test accuracy (with the centralized baseline as a reference line), loss,
// dropout, bytes up and down, round duration, and ε spent for DP tasks. One x value per ended round.

import { useMemo } from 'react';
import type uPlot from 'uplot';
import type { RoundSummary, TaskView } from './api.ts';
import { fmtAcc } from './format.ts';
import { UPlotChart } from './UPlotChart.tsx';
import { taskPrivacy } from './PrivacySummary.tsx';

export function RoundCharts({ rounds, task }: { rounds: RoundSummary[]; task: TaskView }) {
  const baseline = task.baseline?.status === 'done' ? task.baseline.accuracy : null;
  const privacy = taskPrivacy(task);
  const d = useMemo(() => {
    const x = rounds.map((r) => r.round);
    const col = (f: (r: RoundSummary) => number | null) => rounds.map(f);
    return {
      accuracy: [x, col((r) => r.testAccuracy), col((r) => r.baselineAccuracy ?? baseline)] as uPlot.AlignedData,
      loss: [x, col((r) => r.testLoss), col((r) => r.trainLoss)] as uPlot.AlignedData,
      dropout: [x, col((r) => r.dropped), col((r) => r.failed)] as uPlot.AlignedData,
      bytes: [x, col((r) => r.bytesUp / 2 ** 20), col((r) => r.bytesDown / 2 ** 20)] as uPlot.AlignedData,
      duration: [x, col((r) => (r.endedAt - r.startedAt) / 1000)] as uPlot.AlignedData,
      epsilon: [x, col((r) => r.epsilon ?? null), col(() => privacy?.budget ?? null)] as uPlot.AlignedData,
    };
  }, [rounds, baseline, privacy?.budget]);
  const committed = rounds.filter((r) => r.outcome === 'committed');
  const last = committed.at(-1) ?? null;
  const best = committed.reduce<number | null>((m, r) => (r.testAccuracy !== null && (m === null || r.testAccuracy > m) ? r.testAccuracy : m), null);
  const abandoned = rounds.length - committed.length;

  return (
    <section className="panel" data-testid="dashboard.charts">
      <h2>Rounds</h2>
      <p className="delta" data-testid="dashboard.charts.summary">
        {rounds.length} rounds ({committed.length} committed, {abandoned} abandoned) · accuracy {fmtAcc(last?.testAccuracy)} (best {fmtAcc(best)})
        · baseline {fmtAcc(baseline)} · <strong>δ {fmtAcc(last?.delta ?? (baseline !== null && last?.testAccuracy != null ? baseline - last.testAccuracy : null))}</strong>
      </p>
      <div className="charts">
        <UPlotChart id="accuracy" title="Global test accuracy vs centralized baseline" yLabel="accuracy" data={d.accuracy}
          series={[{ label: 'federated', stroke: '#1f6feb' }, { label: 'centralized baseline', stroke: '#d1242f', dash: [6, 4] }]} />
        <UPlotChart id="loss" title="Loss" yLabel="loss" data={d.loss}
          series={[{ label: 'test loss', stroke: '#8250df' }, { label: 'mean train loss', stroke: '#bf8700', dash: [4, 3] }]} />
        <UPlotChart id="dropout" title="Dropout per round" yLabel="clients" fromZero data={d.dropout}
          series={[{ label: 'dropped', stroke: '#d1242f', fill: 'rgba(209,36,47,0.35)', bars: true }, { label: 'failed', stroke: '#bf8700', fill: 'rgba(191,135,0,0.35)', bars: true }]} />
        <UPlotChart id="bytes" title="Bytes up and down per round (MiB)" yLabel="MiB" fromZero data={d.bytes}
          series={[{ label: 'up', stroke: '#1a7f37' }, { label: 'down', stroke: '#0969da' }]} />
        <UPlotChart id="duration" title="Round duration (s)" yLabel="seconds" fromZero data={d.duration}
          series={[{ label: 'duration', stroke: '#57606a', fill: 'rgba(87,96,106,0.15)' }]} />
        {privacy ? (
          <UPlotChart id="epsilon" title={`ε spent at δ = ${privacy.delta} (${privacy.kind})`} yLabel="ε" fromZero data={d.epsilon}
            series={[{ label: 'ε spent', stroke: '#6639ba' }, { label: 'ε budget', stroke: '#d1242f', dash: [6, 4] }]} />
        ) : null}
      </div>
    </section>
  );
}
