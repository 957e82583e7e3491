// The operator dashboard: tasks and the create form on the left; the selected task's controls,
// live round, charts, global model, clients and event log on the right.

import { useEffect, useState } from 'react';
import { ApiError } from './api.ts';
import { forgetStoredTokens, signIn, signOut } from './auth.ts';
import { ClientsTable } from './ClientsTable.tsx';
import { ContributionPanel } from './ContributionPanel.tsx';
import { CreateTaskForm } from './CreateTaskForm.tsx';
import { CurrentRound } from './CurrentRound.tsx';
import { AsyncPanel } from './AsyncPanel.tsx';
import { Datasets, useDatasets } from './Datasets.tsx';
import { EventLog } from './EventLog.tsx';
import { FederatedPanel } from './FederatedPanel.tsx';
import { PersonalizationPanel } from './PersonalizationPanel.tsx';
import { JoinTokens } from './JoinTokens.tsx';
import { ModelPanel } from './ModelPanel.tsx';
import { RoundBytes } from './RoundBytes.tsx';
import { RoundCharts } from './RoundCharts.tsx';
import { TaskList } from './TaskList.tsx';
import { TaskOverview } from './TaskOverview.tsx';
import { TokenGate } from './TokenGate.tsx';
import { useDashboard } from './useDashboard.ts';
import { VerticalJobs } from './VerticalJobs.tsx';

const FEED_LABEL = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…', refused: 'refused' } as const;
const NO_ROUNDS: never[] = [];

/** Signing in (a token is being traded), in (the session cookie is tried), or out (with the refusal, if a token was refused). */
type Access = { state: 'signing-in' } | { state: 'in'; session: number } | { state: 'out'; error: ApiError | null };

const asApiError = (err: unknown): ApiError => (err instanceof ApiError ? err : new ApiError(0, 'FLT_UNREACHABLE', `the coordinator cannot be reached: ${String(err)}`));

export function App({ fragmentToken }: { fragmentToken: string | null }) {
  const [access, setAccess] = useState<Access>(fragmentToken ? { state: 'signing-in' } : { state: 'in', session: 0 });
  const dash = useDashboard(access.state === 'in' ? access.session : null);
  const datasets = useDatasets(access.state === 'in' ? access.session : null);
  const [busy, setBusy] = useState(false);
  const [controlError, setControlError] = useState<string | null>(null);

  const submitToken = (token: string) => {
    setAccess({ state: 'signing-in' });
    signIn(token).then(
      () => setAccess({ state: 'in', session: Date.now() }),
      (err: unknown) => setAccess({ state: 'out', error: asApiError(err) }),
    );
  };
  useEffect(() => {
    forgetStoredTokens();
    if (fragmentToken) submitToken(fragmentToken);
  }, [fragmentToken]);
  // No session cookie, or one that expired: the gate asks for the token (a refusal of a token typed just now is shown by submitToken).
  useEffect(() => {
    if (dash.error?.status === 401) setAccess({ state: 'out', error: null });
  }, [dash.error]);

  if (access.state !== 'in') {
    return (
      <main className="page" data-testid="dashboard.page">
        <header><h1>Flotilla</h1></header>
        {access.state === 'out' ? <TokenGate error={access.error} onToken={submitToken} /> : <p className="muted">Signing in…</p>}
      </main>
    );
  }

  const { state } = dash;
  const tasks = state.taskOrder.map((id) => state.tasks[id]!).filter(Boolean);
  const task = dash.selectedId ? state.tasks[dash.selectedId] ?? null : null;
  const rounds = (task && state.rounds[task.id]) || NO_ROUNDS;
  const control = async (action: 'start' | 'pause' | 'resume' | 'stop') => {
    if (!task) return;
    setBusy(true);
    setControlError(null);
    try {
      await dash.control(task.id, action);
    } catch (err) {
      setControlError(err instanceof ApiError ? `${err.code}: ${err.message}` : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="page" data-testid="dashboard.page">
      <header>
        <h1>Flotilla</h1>
        <span className={`feed feed-${dash.feed}`} data-testid="dashboard.feed.status">{FEED_LABEL[dash.feed]}</span>
        {dash.error ? <span className="error" data-testid="dashboard.error">{dash.error.code}: {dash.error.message}</span> : null}
        <button type="button" className="link" onClick={() => void signOut().then(() => setAccess({ state: 'out', error: null }))} data-testid="dashboard.auth.signout">sign out</button>
      </header>
      <div className="layout">
        <aside>
          <TaskList tasks={tasks} selectedId={dash.selectedId} onSelect={dash.select} />
          <CreateTaskForm onCreate={dash.create} token={null} datasets={datasets.datasets} />
        </aside>
        <div className="main">
          {task ? (
            <>
              <TaskOverview task={task} rounds={rounds} busy={busy} onControl={(a) => void control(a)} />
              {controlError ? <p className="error" role="alert" data-testid="dashboard.control.error">{controlError}</p> : null}
              <div className="row">
                {task.config.asynchronous?.enabled
                  ? <AsyncPanel buffer={task.currentBuffer ?? null} rounds={rounds} taskState={task.state} />
                  : <CurrentRound round={task.currentRound} taskState={task.state} />}
                <ModelPanel task={task} rounds={rounds} token={null} />
              </div>
              <FederatedPanel task={task} rounds={rounds} evaluations={state.evaluations[task.id] ?? NO_ROUNDS} />
              <PersonalizationPanel task={task} evaluations={state.evaluations[task.id] ?? NO_ROUNDS} />
              <ContributionPanel task={task} liveRounds={state.contributionRounds[task.id] ?? NO_ROUNDS} activity={state.contributionActivity[task.id] ?? null} />
              <RoundCharts rounds={rounds} task={task} />
              <RoundBytes task={task} rounds={rounds} />
            </>
          ) : <section className="panel"><p className="muted">Select or create a task.</p></section>}
          <div className="row">
            <ClientsTable clients={state.clients} />
            <EventLog entries={state.log} />
          </div>
          <Datasets datasets={datasets.datasets} reload={datasets.reload} />
          <VerticalJobs token={null} />
          <JoinTokens />
        </div>
      </div>
    </main>
  );
}
