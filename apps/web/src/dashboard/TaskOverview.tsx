// The selected task's header: state, operator controls, and the numbers that matter at a glance
// (last round, federated accuracy, centralized baseline, δ = baseline − federated, ε for DP tasks).

import type { RoundSummary, TaskView } from './api.ts';
import { fmtAcc } from './format.ts';
import { PrivacySummary } from './PrivacySummary.tsx';

type Action = 'start' | 'pause' | 'resume' | 'stop';
const ALLOWED: Record<string, Action[]> = { created: ['start', 'stop'], running: ['pause', 'stop'], paused: ['resume', 'stop'] };

export function TaskOverview({ task, rounds, onControl, busy }: { task: TaskView; rounds: RoundSummary[]; onControl(action: Action): void; busy: boolean }) {
  const allowed = ALLOWED[task.state] ?? [];
  // The latest committed round: an abandoned round has no accuracy, the model stayed as it was.
  const latest = rounds.filter((r) => r.outcome === 'committed').at(-1) ?? null;
  const baseline = task.baseline;
  return (
    <section className="panel overview" data-testid="dashboard.task" data-task-id={task.id}>
      <div className="overview-head">
        <h2 data-testid="dashboard.task.name">{task.name}</h2>
        <span className={`state state-${task.state}`} data-testid="dashboard.task.state">{task.state}</span>
        {task.stopReason ? <span className="muted" data-testid="dashboard.task.reason">{task.stopReason}</span> : null}
        <div className="controls">
          {(['start', 'pause', 'resume', 'stop'] as const).map((a) => (
            <button key={a} type="button" disabled={busy || !allowed.includes(a)} onClick={() => onControl(a)} data-testid={`dashboard.control.${a}`}>{a}</button>
          ))}
        </div>
      </div>
      <dl className="headline">
        <div><dt>last round</dt><dd data-testid="dashboard.metrics.lastRound">{task.lastRound}</dd></div>
        <div><dt>model version</dt><dd data-testid="dashboard.metrics.modelVersion">{task.modelVersion}</dd></div>
        <div><dt>test accuracy</dt><dd data-testid="dashboard.metrics.accuracy">{fmtAcc(latest?.testAccuracy)}</dd></div>
        <div><dt>centralized baseline</dt><dd data-testid="dashboard.metrics.baseline">
          {baseline ? (baseline.status === 'done' ? fmtAcc(baseline.accuracy) : `${baseline.status} (epoch ${baseline.epochs.length})`) : 'off'}
        </dd></div>
        <div><dt>δ = baseline − federated</dt><dd data-testid="dashboard.metrics.delta">{fmtAcc(latest?.delta)}</dd></div>
        <div><dt>setting</dt><dd className="small">
          {task.config.strategy.name}, K = {task.config.data.partition.numClients} ({task.config.data.partition.kind}), C = {task.config.fit.fractionFit},
          E = {task.config.fit.epochs}, B = {task.config.fit.batchSize}, lr = {task.config.fit.learningRate}
        </dd></div>
        <PrivacySummary task={task} rounds={rounds} />
      </dl>
    </section>
  );
}
