// The operator dashboard: tasks and the create form on the left; the selected task's controls,
// live round, charts, global model, clients and event log on the right.

import { useState } from 'react';
import { ApiError } from './api.ts';
import { adoptTokenFromFragment, forgetToken, saveToken } from './auth.ts';
import { ClientsTable } from './ClientsTable.tsx';
import { CreateTaskForm } from './CreateTaskForm.tsx';
import { CurrentRound } from './CurrentRound.tsx';
import { EventLog } from './EventLog.tsx';
import { ModelPanel } from './ModelPanel.tsx';
import { RoundCharts } from './RoundCharts.tsx';
import { TaskList } from './TaskList.tsx';
import { TaskOverview } from './TaskOverview.tsx';
import { TokenGate } from './TokenGate.tsx';
import { useDashboard } from './useDashboard.ts';
import { VerticalJobs } from './VerticalJobs.tsx';

const FEED_LABEL = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…', refused: 'refused' } as const;
const NO_ROUNDS: never[] = [];

export function App() {
  const [token, setToken] = useState<string | null>(() => adoptTokenFromFragment());
  const dash = useDashboard(token);
  const [busy, setBusy] = useState(false);
  const [controlError, setControlError] = useState<string | null>(null);
  const refused = dash.error?.status === 401;

  if (!token || refused) {
    return (
      <main className="page" data-testid="dashboard.page">
        <header><h1>Flotilla</h1></header>
        <TokenGate
          error={token ? dash.error : null}
          onToken={(t) => {
            saveToken(t);
            setToken(t);
          }}
        />
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
        <button type="button" className="link" onClick={() => { forgetToken(); setToken(null); }} data-testid="dashboard.auth.signout">forget token</button>
      </header>
      <div className="layout">
        <aside>
          <TaskList tasks={tasks} selectedId={dash.selectedId} onSelect={dash.select} />
          <CreateTaskForm onCreate={dash.create} token={token} />
        </aside>
        <div className="main">
          {task ? (
            <>
              <TaskOverview task={task} rounds={rounds} busy={busy} onControl={(a) => void control(a)} />
              {controlError ? <p className="error" role="alert" data-testid="dashboard.control.error">{controlError}</p> : null}
              <div className="row">
                <CurrentRound round={task.currentRound} taskState={task.state} />
                <ModelPanel task={task} rounds={rounds} token={token} />
              </div>
              <RoundCharts rounds={rounds} task={task} />
            </>
          ) : <section className="panel"><p className="muted">Select or create a task.</p></section>}
          <div className="row">
            <ClientsTable clients={state.clients} />
            <EventLog entries={state.log} />
          </div>
          <VerticalJobs token={token} />
        </div>
      </div>
    </main>
  );
}
