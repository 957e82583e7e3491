// What the selected task's data is and where its model is evaluated: the schema (kind, shape,
// classes or columns), plain sentences where there is no central test set or no baseline, the
// evaluation in flight, and the federated metric over rounds next to central accuracy and the
// baseline, with its spread over clients (min–max band, 10th percentile, median): the fairness view.

import { useMemo } from 'react';
import type uPlot from 'uplot';
import { MNIST_SCHEMA } from '@flotilla/protocol';
import type { FederatedSummary, RoundSummary, TaskView } from './api.ts';
import { fmtAcc } from './format.ts';
import { UPlotChart } from './UPlotChart.tsx';
import { describeSchema, evaluationNotes } from './federatedView.ts';

export function FederatedPanel({ task, rounds, evaluations }: { task: TaskView; rounds: RoundSummary[]; evaluations: FederatedSummary[] }) {
  const schema = task.schema ?? task.config.data.schema ?? MNIST_SCHEMA;
  const notes = evaluationNotes(task);
  const metric = evaluations[0]?.metric ?? (schema.kind === 'tabular' && schema.target.type === 'regression' ? schema.target.metric : 'accuracy');
  const baseline = task.baseline?.status === 'done' ? task.baseline.accuracy : null;
  const d = useMemo(() => {
    const x = evaluations.map((e) => e.round);
    const central = new Map(rounds.map((r) => [r.round, r.testAccuracy]));
    return {
      metric: [
        x, evaluations.map((e) => e[metric]),
        ...(metric === 'accuracy' ? [evaluations.map((e) => central.get(e.round) ?? null), evaluations.map(() => baseline)] : []),
      ] as uPlot.AlignedData,
      spread: [
        x, evaluations.map((e) => e.spread?.max ?? null), evaluations.map((e) => e.spread?.min ?? null),
        evaluations.map((e) => e.spread?.p10 ?? null), evaluations.map((e) => e.spread?.median ?? null),
      ] as uPlot.AlignedData,
    };
  }, [evaluations, rounds, metric, baseline]);
  const last = evaluations.at(-1) ?? null;
  const ev = task.currentEvaluation ?? null;

  return (
    <section className="panel" data-testid="dashboard.federated">
      <h2>Data and evaluation</h2>
      <p data-testid="dashboard.schema">{describeSchema(schema)}{task.config.data.dataset ? ` · dataset ${task.config.data.dataset}` : ' · clients bring their own data'}</p>
      {notes.map((n) => <p key={n} className="muted" data-testid="dashboard.federated.note">{n}</p>)}
      {ev ? (
        <p data-testid="dashboard.federated.current">
          evaluating round {ev.round} (model {ev.modelVersion}): {ev.reported} of {ev.asked} clients reported, deadline {new Date(ev.deadline).toLocaleTimeString()}
        </p>
      ) : null}
      {last ? (
        <p className="delta" data-testid="dashboard.federated.summary">
          round {last.round}: federated {metric} {fmtAcc(last[metric])} on {last.clients} of {last.asked} clients ({last.examples} examples)
          {last.spread ? ` · spread min ${fmtAcc(last.spread.min)}, p10 ${fmtAcc(last.spread.p10)}, median ${fmtAcc(last.spread.median)}, max ${fmtAcc(last.spread.max)}, sd ${fmtAcc(last.spread.std)}` : ''}
        </p>
      ) : null}
      {evaluations.length > 0 ? (
        <div className="charts">
          <UPlotChart id="federated" title={`Federated ${metric} (weighted by examples)${metric === 'accuracy' ? ' vs central test accuracy and baseline' : ''}`} yLabel={metric} data={d.metric}
            series={[
              { label: `federated ${metric}`, stroke: '#1a7f37' },
              ...(metric === 'accuracy' ? [{ label: 'central test', stroke: '#1f6feb' }, { label: 'centralized baseline', stroke: '#d1242f', dash: [6, 4] }] : []),
            ]} />
          <UPlotChart id="fairness" title={`${metric} over clients: min–max band, 10th percentile, median`} yLabel={metric} data={d.spread}
            band={{ upper: 1, lower: 2, fill: 'rgba(26,127,55,0.15)' }}
            series={[
              { label: 'max', stroke: 'rgba(26,127,55,0.5)' }, { label: 'min', stroke: 'rgba(26,127,55,0.5)' },
              { label: 'p10', stroke: '#bf8700', dash: [4, 3] }, { label: 'median', stroke: '#1a7f37' },
            ]} />
        </div>
      ) : null}
    </section>
  );
}
