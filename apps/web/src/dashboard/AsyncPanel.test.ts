// The dashboard's view of an asynchronous task: buffer fill from `buffer.update` events, test
// metrics that trail a commit (`round.evaluated`), and the staleness series per committed version.
import { describe, expect, it } from 'vitest';
import type { RoundSummary, TaskView } from './api.ts';
import { stalenessSeries } from './AsyncPanel.tsx';
import { initialState, reducer } from './store.ts';

const task = { id: 't', state: 'running', lastRound: 0, modelVersion: 0, latestRound: null, currentRound: null } as unknown as TaskView;
const commit = (round: number, meanStaleness: number, maxStaleness: number, testAccuracy: number | null = null): RoundSummary => ({
  taskId: 't', round, outcome: 'committed', reason: null, startedAt: 0, endedAt: 1, selected: 2, goal: 2, reported: 2, dropped: 0, failed: 0,
  testAccuracy, testLoss: null, trainLoss: 1, baselineAccuracy: null, delta: null, epsilon: null, bytesUp: 0, bytesDown: 0, modelVersion: round,
  asynchronous: { bufferSize: 2, meanStaleness, maxStaleness, stalenessHistogram: [1, 1], refusedStale: 0, updatesByClient: { a: 2 } },
});

describe('asynchronous task on the dashboard', () => {
  it('follows the buffer fill live from buffer.update events', () => {
    const state = reducer(reducer(initialState, { type: 'task', task }), {
      type: 'events', events: [{
        type: 'buffer.update', seq: null, taskId: 't', at: 1,
        data: { modelVersion: 3, filled: 1, bufferSize: 4, inFlight: 2, concurrency: 3, meanStaleness: 1, maxStaleness: 1, refusedStale: 0, refusedStaleTotal: 2, clientId: 'a', staleness: 1 },
      }],
    });
    expect(state.tasks.t!.currentBuffer).toEqual({ modelVersion: 3, filled: 1, bufferSize: 4, inFlight: 2, concurrency: 3, meanStaleness: 1, maxStaleness: 1, refusedStale: 0, refusedStaleTotal: 2 });
  });

  it('adds a commit\'s trailing evaluation to its round', () => {
    const committed = reducer(reducer(initialState, { type: 'task', task }), { type: 'rounds', taskId: 't', rounds: [commit(1, 0, 0)] });
    const evaluated = reducer(committed, { type: 'events', events: [{ type: 'round.evaluated', seq: 5, taskId: 't', at: 2, data: { ...commit(1, 0, 0, 0.91) } }] });
    expect(evaluated.rounds.t!.map((r) => r.testAccuracy)).toEqual([0.91]);
  });

  it('charts mean and max staleness per committed version, skipping abandoned buffers', () => {
    const abandoned = { ...commit(2, 5, 9), outcome: 'abandoned' as const };
    expect(stalenessSeries([commit(1, 0, 0), abandoned, commit(3, 1.5, 3)])).toEqual([[1, 3], [0, 1.5], [0, 3]]);
  });
});
