// An asynchronous (FedBuff) task in place of the round in flight: the version the buffer fills
// for, its fill k of K (live from `buffer.update` events), clients training, stale refusals, and
// per commit the mean and largest staleness and the staleness histogram of the latest commit.

import { useMemo } from 'react';
import type uPlot from 'uplot';
import type { CurrentBuffer, RoundSummary } from './api.ts';
import { UPlotChart } from './UPlotChart.tsx';

/** Mean and max staleness per committed version, for the chart (x: the version). */
export function stalenessSeries(rounds: readonly RoundSummary[]): uPlot.AlignedData {
  const commits = rounds.filter((r) => r.outcome === 'committed' && r.asynchronous);
  return [commits.map((r) => r.modelVersion), commits.map((r) => r.asynchronous!.meanStaleness), commits.map((r) => r.asynchronous!.maxStaleness)];
}

export function AsyncPanel({ buffer, rounds, taskState }: { buffer: CurrentBuffer | null; rounds: RoundSummary[]; taskState: string }) {
  const series = useMemo(() => stalenessSeries(rounds), [rounds]);
  const latest = [...rounds].reverse().find((r) => r.outcome === 'committed' && r.asynchronous)?.asynchronous ?? null;
  const histogram = latest?.stalenessHistogram ?? [];
  const tallest = Math.max(1, ...histogram);
  return (
    <section className="panel" data-testid="dashboard.async">
      <h2>Asynchronous buffer (FedBuff)</h2>
      {buffer ? (
        <>
          <p>
            filling version <strong data-testid="dashboard.async.version">{buffer.modelVersion + 1}</strong> from version {buffer.modelVersion}
          </p>
          <progress max={buffer.bufferSize} value={buffer.filled} data-testid="dashboard.async.fill" />
          <dl className="counts">
            <div><dt>buffer</dt><dd data-testid="dashboard.async.filled">{buffer.filled} of {buffer.bufferSize}</dd></div>
            <div><dt>training</dt><dd data-testid="dashboard.async.inFlight">{buffer.inFlight} of {buffer.concurrency}</dd></div>
            <div><dt>staleness (mean / max)</dt><dd data-testid="dashboard.async.staleness">{buffer.meanStaleness.toFixed(2)} / {buffer.maxStaleness}</dd></div>
            <div><dt>refused stale</dt><dd data-testid="dashboard.async.refused">{buffer.refusedStale} ({buffer.refusedStaleTotal} in all)</dd></div>
          </dl>
        </>
      ) : (
        <p className="muted" data-testid="dashboard.async.idle">No buffer filling (task {taskState}).</p>
      )}
      {histogram.length > 0 ? (
        <figure data-testid="dashboard.async.histogram">
          <figcaption>Staleness of the latest commit's updates (versions behind)</figcaption>
          <ol className="histogram">
            {histogram.map((n, tau) => (
              <li key={tau} data-testid={`dashboard.async.histogram.${tau}`} title={`${n} updates ${tau} versions stale`}>
                <span className="bar" style={{ width: `${(100 * n) / tallest}%` }} /> τ = {tau}: {n}
              </li>
            ))}
          </ol>
        </figure>
      ) : null}
      <UPlotChart id="staleness" title="Staleness per committed version" yLabel="versions" fromZero data={series}
        series={[{ label: 'mean', stroke: '#1f6feb' }, { label: 'max', stroke: '#d1242f', dash: [6, 4] }]} />
    </section>
  );
}
