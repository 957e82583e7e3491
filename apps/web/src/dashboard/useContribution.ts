// A task's contribution view for the panel: fetched when the task is selected, fetched again when
// a `contribution.round` event says a round was valued (the standings, rewards and selection
// weights are the coordinator's to compute), and after the operator changes the reward split.

import { useCallback, useEffect, useState } from 'react';
import type { ContributionView, RewardSpec } from '@flotilla/protocol';
import { ApiError, api } from './api.ts';

export interface ContributionState {
  view: ContributionView | null;
  error: string | null;
  /** PUTs a new reward split; resolves once the view shows it, rejects with the coordinator's coded error. */
  setReward(reward: RewardSpec): Promise<void>;
}

const describe = (err: unknown): string => (err instanceof ApiError ? `${err.code}: ${err.message}` : String(err instanceof Error ? err.message : err));

/**
 * `taskId` null: nothing loads. `latestValued` is the newest round a live event valued (0 before
 * any); each new one refetches the view.
 * @example const { view, setReward } = useContribution(task.id, rounds.at(-1)?.round ?? 0);
 */
export function useContribution(taskId: string | null, latestValued: number): ContributionState {
  const [view, setView] = useState<ContributionView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback((id: string) => api<ContributionView>(null, `/api/tasks/${encodeURIComponent(id)}/contributions`), []);

  useEffect(() => {
    setView(null);
    setError(null);
  }, [taskId]);
  useEffect(() => {
    if (taskId === null) return;
    let current = true;
    // A task switched away from while its view was on the way must not show under the next one.
    load(taskId).then(
      (next) => {
        if (!current) return;
        setView(next);
        setError(null);
      },
      (err: unknown) => current && setError(describe(err)),
    );
    return () => {
      current = false;
    };
  }, [taskId, latestValued, load]);

  const setReward = useCallback(async (reward: RewardSpec) => {
    if (taskId === null) return;
    await api(null, `/api/tasks/${encodeURIComponent(taskId)}/contributions/reward`, { method: 'PUT', body: reward });
    setView(await load(taskId));
  }, [taskId, load]);

  return { view, error, setReward };
}
