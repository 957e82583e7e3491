// The dashboard's current round follows each client's planned and done local steps from the
// round.report events (device-aware work), one row per client.
import { describe, expect, it } from 'vitest';
import type { TaskView } from './api.ts';
import type { FeedEvent } from './eventFeed.ts';
import { initialState, reducer } from './store.ts';

const event = (type: FeedEvent['type'], data: Record<string, unknown>, seq: number): FeedEvent => ({ type, seq, taskId: 't', at: 1000 + seq, data });

describe('current round work', () => {
  it('lists the steps each reporting client was asked for and did', () => {
    // Arrange: a task the dashboard knows, a round that started
    const task = { id: 't', name: 'x', state: 'running', currentRound: null } as unknown as TaskView;
    let state = reducer(initialState, { type: 'task', task });
    // Act
    state = reducer(state, { type: 'events', events: [
      event('round.started', { round: 1, selected: 2, goal: 2, deadline: 9000, modelVersion: 0, secure: false }, 1),
      event('round.report', { round: 1, clientId: 'fast', reported: 1, goal: 2, plannedSteps: 20, localSteps: 20 }, 2),
      event('round.report', { round: 1, clientId: 'slow', reported: 2, goal: 2, plannedSteps: 20, localSteps: 7 }, 3),
    ] });
    // Assert
    expect(state.tasks.t!.currentRound!.work).toEqual([
      { clientId: 'fast', plannedSteps: 20, localSteps: 20 },
      { clientId: 'slow', plannedSteps: 20, localSteps: 7 },
    ]);
  });
});
