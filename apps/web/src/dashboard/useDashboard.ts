// The dashboard's data: a REST snapshot, the one event stream moving it forward, and refreshes
// triggered by events (throttled, so a busy federation never turns into a polling storm).

import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { ApiError, api, type ClientView, type FederatedSummary, type RoundSummary, type TaskView } from './api.ts';
import { openEventFeed, type FeedEvent, type FeedStatus } from './eventFeed.ts';
import { initialState, reducer } from './store.ts';

/** Calls fn at most once per `ms`, always running a trailing call so the last change is seen. */
function throttle(fn: () => void, ms: number): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let last = 0;
  return () => {
    if (timer) return;
    const wait = Math.max(0, last + ms - Date.now());
    timer = setTimeout(() => {
      timer = null;
      last = Date.now();
      fn();
    }, wait);
  };
}

export interface Dashboard {
  state: typeof initialState;
  feed: FeedStatus;
  /** Why the coordinator refused us (no or a wrong token), or another load failure. */
  error: ApiError | null;
  selectedId: string | null;
  select(id: string): void;
  control(id: string, action: 'start' | 'pause' | 'resume' | 'stop'): Promise<void>;
  create(config: unknown, start: boolean): Promise<TaskView>;
}

/**
 * `session` null: not signed in, nothing loads. A new number (a fresh sign-in) reloads everything;
 * calls authenticate with the session cookie.
 */
export function useDashboard(session: number | null): Dashboard {
  const [state, dispatch] = useReducer(reducer, initialState);
  const [feed, setFeed] = useState<FeedStatus>('connecting');
  const [error, setError] = useState<ApiError | null>(null);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const selected = useRef<string | null>(null);
  selected.current = selectedId;

  const fail = useCallback((err: unknown) => {
    if (err instanceof ApiError) setError(err);
    else setError(new ApiError(0, 'FLT_UNREACHABLE', `the coordinator cannot be reached: ${String(err)}`));
  }, []);

  const loadTasks = useCallback(async () => {
    const { tasks } = await api<{ tasks: TaskView[] }>(null, '/api/tasks');
    dispatch({ type: 'tasks', tasks });
    setError(null);
    if (!selected.current && tasks.length > 0) setSelectedId((tasks.find((t) => t.state === 'running') ?? tasks.at(-1)!).id);
  }, []);
  const loadTask = useCallback(async (id: string) => {
    const [task, { rounds }, { evaluations }] = await Promise.all([
      api<TaskView>(null, `/api/tasks/${id}`),
      api<{ rounds: RoundSummary[] }>(null, `/api/tasks/${id}/rounds`),
      api<{ evaluations: { summary: FederatedSummary }[] }>(null, `/api/tasks/${id}/evaluations`),
    ]);
    dispatch({ type: 'task', task });
    dispatch({ type: 'rounds', taskId: id, rounds });
    dispatch({ type: 'evaluations', taskId: id, evaluations: evaluations.map((e) => e.summary) });
  }, []);
  const loadClients = useCallback(async () => {
    dispatch({ type: 'clients', clients: (await api<{ clients: ClientView[] }>(null, '/api/clients')).clients });
  }, []);

  useEffect(() => {
    if (session === null) return;
    setError(null);
    const refreshTasks = throttle(() => void loadTasks().catch(fail), 1000);
    const refreshSelected = throttle(() => {
      if (selected.current) void loadTask(selected.current).catch(fail);
    }, 1000);
    const refreshClients = throttle(() => void loadClients().catch(fail), 2000);
    // Events arrive one per message; applying them in batches keeps a replay of thousands cheap.
    let queue: FeedEvent[] = [];
    let flush: ReturnType<typeof setTimeout> | null = null;
    const close = openEventFeed({
      onStatus: (s) => {
        setFeed(s);
        if (s === 'refused') setError(new ApiError(401, 'FLT_UNAUTHORIZED', 'the dashboard session was refused'));
      },
      onOpen: () => {
        refreshTasks();
        refreshSelected();
        refreshClients();
      },
      onEvent: (e) => {
        queue.push(e);
        flush ??= setTimeout(() => {
          flush = null;
          const events = queue;
          queue = [];
          dispatch({ type: 'events', events });
        }, 100);
        if (e.type === 'task.created') refreshTasks();
        if (e.type === 'client.joined' || e.type === 'client.left' || e.type === 'round.committed' || e.type === 'round.abandoned') refreshClients();
        if (e.taskId === selected.current && (e.type === 'round.committed' || e.type === 'round.abandoned' || e.type === 'task.state' || e.type === 'baseline.done')) refreshSelected();
      },
    });
    return () => {
      close();
      if (flush) clearTimeout(flush);
    };
  }, [session, loadTasks, loadTask, loadClients, fail]);

  useEffect(() => {
    if (session !== null && selectedId) void loadTask(selectedId).catch(fail);
  }, [session, selectedId, loadTask, fail]);

  const control = useCallback(async (id: string, action: 'start' | 'pause' | 'resume' | 'stop') => {
    dispatch({ type: 'task', task: await api<TaskView>(null, `/api/tasks/${id}/${action}`, { method: 'POST' }) });
  }, []);
  const create = useCallback(async (config: unknown, start: boolean) => {
    const task = await api<TaskView>(null, `/api/tasks${start ? '?start=true' : ''}`, { method: 'POST', body: config });
    dispatch({ type: 'task', task });
    setSelectedId(task.id);
    return task;
  }, []);

  return { state, feed, error, selectedId, select: setSelectedId, control, create };
}
