// The task list: every task with its state and progress; click one to watch it.

import type { TaskView } from './api.ts';

export function TaskList({ tasks, selectedId, onSelect }: { tasks: TaskView[]; selectedId: string | null; onSelect(id: string): void }) {
  return (
    <section className="panel" data-testid="dashboard.tasks">
      <h2>Tasks</h2>
      {tasks.length === 0 ? <p className="muted">No task yet: create one below.</p> : null}
      <ul className="tasks" data-testid="dashboard.tasks.list">
        {tasks.map((t) => (
          <li key={t.id}>
            <button
              type="button" className={t.id === selectedId ? 'task selected' : 'task'} onClick={() => onSelect(t.id)}
              data-testid="dashboard.tasks.item" data-task-id={t.id} data-state={t.state}
            >
              <span className="task-name">{t.name}</span>
              <span className={`state state-${t.state}`} data-testid="dashboard.tasks.state">{t.state}</span>
              <span className="muted">round {t.lastRound}/{t.config.stop.maxRounds} · {t.config.strategy.name} · {t.config.model.kind}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
