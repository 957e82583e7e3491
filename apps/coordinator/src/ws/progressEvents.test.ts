// A client's training progress reaches the dashboards' event stream only for a round it was
// selected in: any client may send progress messages (up to its message rate, on each of its
// connections), and without this check it could fill every dashboard with progress of tasks and
// rounds it takes no part in.

import { afterEach, describe, expect, it } from 'vitest';
import type { BusEvent } from '../events/EventBus.ts';
import { RawClient, createTask, smallTask, startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';

describe('client progress events', () => {
  let coordinator: TestCoordinator | undefined;
  let client: RawClient | undefined;

  afterEach(async () => {
    client?.close();
    await coordinator?.close();
    coordinator = undefined;
  });

  it('publishes progress of a selected client for its round, and drops progress for another task or round', async () => {
    coordinator = await startTestCoordinator();
    const taskId = await createTask(coordinator.url, smallTask({ fit: { minFitClients: 1, minAvailableClients: 1 } }));
    const otherTask = await createTask(coordinator.url, smallTask({ name: 'not joined' }), false);
    const published: BusEvent[] = [];
    coordinator.app.coordinator.bus.subscribe((e) => { if (e.type === 'client.progress') published.push(e); });
    client = new RawClient(coordinator.url);
    await client.opened();
    await client.hello({ taskId });
    const plan = await client.next<{ round: number }>('round.plan');
    const progress = (task: string, round: number) => ({ type: 'progress', taskId: task, round, epoch: 0, epochs: 1, batch: 1, batches: 12, loss: 2.3 });

    client.send(progress(otherTask, plan.round));
    client.send(progress(taskId, plan.round + 5));
    client.send(progress(taskId, plan.round));
    client.send({ type: 'heartbeat' });
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(published.map((e) => ({ taskId: e.taskId, round: e.data.round }))).toEqual([{ taskId, round: plan.round }]);
  });
});
