// The dashboard's data: a REST snapshot, the one event stream moving it forward, and refreshes
// triggered by events (throttled, so a busy federation never turns into a polling storm).

import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { ApiError, api, type ClientView, type RoundSummary, type TaskView } from './api.ts';
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

export function useDashboard(token: string | null): Dashboard {
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
    const { tasks } = await api<{ tasks: TaskView[] }>(token, '/api/tasks');
    dispatch({ type: 'tasks', tasks });
    setError(null);
    if (!selected.current && tasks.length > 0) setSelectedId((tasks.find((t) => t.state === 'running') ?? tasks.at(-1)!).id);
  }, [token]);
  const loadTask = useCallback(async (id: string) => {
    const [task, { rounds }] = await Promise.all([
      api<TaskView>(token, `/api/tasks/${id}`),
      api<{ rounds: RoundSummary[] }>(token, `/api/tasks/${id}/rounds`),
    ]);
    dispatch({ type: 'task', task });
    dispatch({ type: 'rounds', taskId: id, rounds });
  }, [token]);
  const loadClients = useCallback(async () => {
    dispatch({ type: 'clients', clients: (await api<{ clients: ClientView[] }>(token, '/api/clients')).clients });
  }, [token]);

  useEffect(() => {
    if (!token) return;
    const refreshTasks = throttle(() => void loadTasks().catch(fail), 1000);
    const refreshSelected = throttle(() => {
      if (selected.current) void loadTask(selected.current).catch(fail);
    }, 1000);
    const refreshClients = throttle(() => void loadClients().catch(fail), 2000);
    // Events arrive one per message; applying them in batches keeps a replay of thousands cheap.
    let queue: FeedEvent[] = [];
    let flush: ReturnType<typeof setTimeout> | null = null;
    const close = openEventFeed(token, {
      onStatus: (s) => {
        setFeed(s);
        if (s === 'refused') setError(new ApiError(401, 'FLT_UNAUTHORIZED', 'the operator token is wrong'));
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
  }, [token, loadTasks, loadTask, loadClients, fail]);

  useEffect(() => {
    if (token && selectedId) void loadTask(selectedId).catch(fail);
  }, [token, selectedId, loadTask, fail]);

  const control = useCallback(async (id: string, action: 'start' | 'pause' | 'resume' | 'stop') => {
    dispatch({ type: 'task', task: await api<TaskView>(token, `/api/tasks/${id}/${action}`, { method: 'POST' }) });
  }, [token]);
  const create = useCallback(async (config: unknown, start: boolean) => {
    const task = await api<TaskView>(token, `/api/tasks${start ? '?start=true' : ''}`, { method: 'POST', body: config });
    dispatch({ type: 'task', task });
    setSelectedId(task.id);
    return task;
  }, [token]);

  return { state, feed, error, selectedId, select: setSelectedId, control, create };
}
