// A Node fleet trains with SecAgg+ (`--secagg plus`) while the dashboard watches: the round's
// timeline shows the secure-aggregation stages and the rounds commit from masked updates only. It has
// a coordinator of its own, so that its fleet stays out of the tables the training spec counts.

import { expect, isolatedTest as test } from './fixtures.ts';
import { rest, startFleet, type ChildHandle } from './support/processes.ts';

interface Round { round: number; outcome: string; reported: number }

test('the round timeline shows the SecAgg stages while a secure fleet trains', async ({ dashboard, coordinator }) => {
  test.setTimeout(180_000);
  let fleet: ChildHandle | null = null;
  try {
    const get = <T>(p: string) => rest<T>(coordinator.url, coordinator.token, p);
    fleet = startFleet(coordinator.url, coordinator.token, ['--rounds', '3', '--secagg', 'plus', '--no-baseline']);
    let taskId = '';
    await expect.poll(async () => {
      taskId = (await get<{ tasks: { id: string; name: string }[] }>('/api/tasks')).tasks.find((t) => t.name.startsWith('fleet:'))?.id ?? '';
      return taskId;
    }, { timeout: 60_000, message: 'the fleet creates its task' }).not.toBe('');

    await dashboard.open(coordinator.token);
    await dashboard.expectLive();
    await dashboard.selectTask(taskId);
    // The secure timeline: keys and shares before the (masked) reporting, unmasking after it.
    await expect(dashboard.id('dashboard.round.secure')).toBeVisible({ timeout: 90_000 });
    for (const step of ['keys', 'shares', 'reporting', 'unmasking']) await expect(dashboard.id(`dashboard.round.step.${step}`)).toBeVisible();

    await expect.poll(async () => (await get<{ rounds: Round[] }>(`/api/tasks/${taskId}/rounds`)).rounds.length, { timeout: 150_000 }).toBe(3);
    const rounds = (await get<{ rounds: Round[] }>(`/api/tasks/${taskId}/rounds`)).rounds;
    expect(rounds.map((r) => [r.outcome, r.reported])).toEqual([['committed', 4], ['committed', 4], ['committed', 4]]);
  } finally {
    await fleet?.stop();
  }
});
