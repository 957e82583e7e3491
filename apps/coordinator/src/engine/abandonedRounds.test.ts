// A round abandoned at once (every plan undeliverable: the selected clients' sockets are closing
// but their close events have not run yet) must not be followed by the next at once: the loop
// would spend the task's whole round budget in a burst, and a few hundred clients that connect and
// drop together could end any running task that way.

import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectedClient } from './ClientRegistry.ts';
import { startTestCoordinator, smallTask, type TestCoordinator } from '../testing/harness.ts';

const closingClient = (id: string): ConnectedClient => ({
  id, kind: 'node', device: { backend: 'cpu' }, taskId: null, partitionIndex: null, numExamples: null,
  connectedAt: Date.now(), lastSeen: Date.now(), send: () => false, close: () => {},
});

describe('TaskRunner after an abandoned round', () => {
  let coordinator: TestCoordinator | undefined;

  afterEach(async () => {
    await coordinator?.close();
    coordinator = undefined;
  });

  it('pauses before the next round, so clients that cannot be reached do not spend the round budget', async () => {
    coordinator = await startTestCoordinator();
    const { tasks, registry, store } = coordinator.app.coordinator;
    const task = await tasks.create(smallTask({ fit: { minFitClients: 2, minAvailableClients: 2 }, stop: { maxRounds: 50 } }));
    for (const id of ['gone-1', 'gone-2', 'gone-3']) registry.add(closingClient(id));

    await tasks.control(task.id, 'start');
    await new Promise((resolve) => setTimeout(resolve, 300));

    const stored = store.getTask(task.id)!;
    expect(stored.state).toBe('running');
    expect(stored.lastRound).toBeLessThanOrEqual(2);
  });
});
