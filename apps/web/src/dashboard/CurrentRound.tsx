// The round in flight: its phase on the timeline, selected / reported / dropped / late counts and
// the time left before the deadline (ticking locally, no requests).

import { useEffect, useState } from 'react';
import type { CurrentRound as Round, RoundPhase } from './api.ts';
import { fmtDuration } from './format.ts';
import { RoundWork } from './RoundWork.tsx';

export const PHASES: RoundPhase[] = ['selection', 'configuration', 'reporting', 'aggregation', 'evaluation', 'commit'];
/** A secure round: keys and shares are exchanged before the masked reporting, shares revealed after it. */
export const SECURE_PHASES: RoundPhase[] = ['selection', 'configuration', 'keys', 'shares', 'reporting', 'unmasking', 'aggregation', 'evaluation', 'commit'];

/** Selected clients that neither reported nor failed once reporting closed (over-selection, stragglers). */
export function lateCount(r: { selected: number; reported: number; dropped: number; failed: number }): number {
  return Math.max(0, r.selected - r.reported - r.dropped - r.failed);
}

export function CurrentRound({ round, taskState }: { round: Round | null; taskState: string }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  if (!round) {
    return (
      <section className="panel" data-testid="dashboard.round">
        <h2>Current round</h2>
        <p className="muted" data-testid="dashboard.round.idle">
          {taskState === 'running' ? 'Waiting for enough clients to start a round…' : `No round in flight (task ${taskState}).`}
        </p>
      </section>
    );
  }
  const phases = round.secure ? SECURE_PHASES : PHASES;
  const at = phases.indexOf(round.phase);
  const reportingOver = at > phases.indexOf('reporting');
  const counts: [string, string, number][] = [
    ['selected', 'selected', round.selected],
    ['goal', 'goal', round.goal],
    ['reported', 'reported', round.reported],
    ['dropped', 'dropped', round.dropped],
    ['failed', 'failed', round.failed],
    [reportingOver ? 'late' : 'pending', reportingOver ? 'late' : 'pending', lateCount(round)],
  ];
  return (
    <section className="panel" data-testid="dashboard.round" data-round={round.round}>
      <h2>Round <span data-testid="dashboard.round.number">{round.round}</span></h2>
      {round.secure && <p data-testid="dashboard.round.secure">secure aggregation: the coordinator sees only masked updates and their sum</p>}
      <ol className="timeline" data-testid="dashboard.round.timeline">
        {phases.map((p, i) => (
          <li key={p} className={i < at ? 'done' : i === at ? 'active' : 'todo'} data-testid={`dashboard.round.step.${p}`} data-active={i === at}>{p}</li>
        ))}
      </ol>
      <p>phase <strong data-testid="dashboard.round.phase">{round.phase}</strong></p>
      <dl className="counts">
        {counts.map(([key, label, value]) => (
          <div key={key}><dt>{label}</dt><dd data-testid={`dashboard.round.${key}`}>{value}</dd></div>
        ))}
        <div><dt>time left</dt><dd data-testid="dashboard.round.timeLeft">{reportingOver ? '—' : fmtDuration(round.deadline - now)}</dd></div>
      </dl>
      <RoundWork work={round.work ?? []} />
    </section>
  );
}
