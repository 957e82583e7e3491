// A small Node fleet trains while the dashboard watches: the numbers on screen (round, counts,
// accuracy, δ) match the REST API, the charts grow each round, a screenshot is kept, and after a
// coordinator restart the dashboard (open or reloaded) shows the same history.

import { expect, test } from './fixtures.ts';
import { rest, startFleet, type ChildHandle } from './support/processes.ts';

interface Round { round: number; outcome: string; testAccuracy: number | null; delta: number | null; selected: number; reported: number }
interface Task {
  id: string; name: string; state: string; lastRound: number; modelVersion: number;
  baseline: { status: string; accuracy: number | null } | null;
  currentRound: { round: number; phase: string; selected: number } | null;
}

const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '—' : v.toFixed(4));

test.describe.serial('a training fleet on the dashboard', () => {
  let fleet: ChildHandle | null = null;
  let taskId = '';

  test.afterAll(async () => {
    await fleet?.stop();
  });

  test('numbers match the REST API while the fleet trains, and the charts grow each round', async ({ dashboard, coordinator, page }, testInfo) => {
    const get = <T>(p: string) => rest<T>(coordinator.url, coordinator.token, p);
    fleet = startFleet(coordinator.url, coordinator.token, ['--rounds', '14']);
    await expect.poll(async () => {
      taskId = (await get<{ tasks: Task[] }>('/api/tasks')).tasks.find((t) => t.name.startsWith('fleet:'))?.id ?? '';
      return taskId;
    }, { timeout: 60_000, message: 'the fleet creates its task' }).not.toBe('');

    await dashboard.open(coordinator.token);
    await dashboard.expectLive();
    await dashboard.selectTask(taskId);
    await expect(dashboard.taskState).toHaveText('running');

    // The small baseline (2 epochs) finishes within the first rounds; from then on δ is a number.
    await expect.poll(async () => (await get<Task>(`/api/tasks/${taskId}`)).baseline?.status, { timeout: 90_000 }).toBe('done');
    await expect.poll(async () => (await get<Task>(`/api/tasks/${taskId}`)).lastRound, { timeout: 90_000 }).toBeGreaterThanOrEqual(2);

    // Rounds end every second or two, so screen and API are compared until one snapshot agrees.
    await expect(async () => {
      const [task, { rounds }] = await Promise.all([get<Task>(`/api/tasks/${taskId}`), get<{ rounds: Round[] }>(`/api/tasks/${taskId}/rounds`)]);
      const committed = rounds.filter((r) => r.outcome === 'committed').at(-1)!;
      const screen = {
        lastRound: await dashboard.text('dashboard.metrics.lastRound'),
        accuracy: await dashboard.text('dashboard.metrics.accuracy'),
        delta: await dashboard.text('dashboard.metrics.delta'),
        baseline: await dashboard.text('dashboard.metrics.baseline'),
        points: await dashboard.chartPoints('accuracy'),
        round: task.currentRound ? await dashboard.text('dashboard.round.number') : null,
        selected: task.currentRound ? await dashboard.text('dashboard.round.selected') : null,
      };
      expect(screen).toEqual({
        lastRound: String(task.lastRound), accuracy: fmt(committed.testAccuracy), delta: fmt(committed.delta),
        baseline: fmt(task.baseline!.accuracy), points: rounds.length,
        round: task.currentRound ? String(task.currentRound.round) : null,
        selected: task.currentRound ? String(task.currentRound.selected) : null,
      });
    }).toPass({ timeout: 30_000, intervals: [50, 100, 200] });
    expect(await dashboard.text('dashboard.metrics.delta')).toMatch(/^-?\d\.\d{4}$/);

    const before = await dashboard.chartPoints('accuracy');
    const lastBefore = (await get<Task>(`/api/tasks/${taskId}`)).lastRound;
    await expect.poll(async () => (await get<Task>(`/api/tasks/${taskId}`)).lastRound, { timeout: 60_000 }).toBeGreaterThanOrEqual(lastBefore + 2);
    for (const chart of ['accuracy', 'loss', 'dropout', 'bytes', 'duration'] as const) {
      await expect.poll(() => dashboard.chartPoints(chart)).toBeGreaterThanOrEqual(before + 2);
    }
    await expect(dashboard.page.getByTestId('dashboard.clients.row')).toHaveCount(4);
    await dashboard.id('dashboard.clients.sort.id').click();
    const ids = await page.getByTestId('dashboard.clients.row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-client-id')!));
    expect(ids).toEqual([...ids].sort());
    await expect(dashboard.page.locator('[data-testid="dashboard.log.entry"][data-type="client.joined"]')).not.toHaveCount(0);

    const shot = testInfo.outputPath('dashboard-mid-training.png');
    await page.setViewportSize({ width: 1600, height: 1200 });
    await page.waitForTimeout(300);
    await page.screenshot({ path: shot, fullPage: true });
    await testInfo.attach('dashboard mid-training', { path: shot, contentType: 'image/png' });
  });

  test('after a coordinator restart the dashboard shows the same history', async ({ dashboard, coordinator, page }) => {
    const get = <T>(p: string) => rest<T>(coordinator.url, coordinator.token, p);
    await dashboard.open(coordinator.token);
    await dashboard.expectLive();
    await dashboard.selectTask(taskId);
    await fleet!.stop();
    fleet = null;
    // Let the round the leaving clients were in end, then take the history as it stands.
    await expect.poll(async () => (await get<Task>(`/api/tasks/${taskId}`)).currentRound, { timeout: 30_000 }).toBeNull();
    const before = await get<{ rounds: Round[] }>(`/api/tasks/${taskId}/rounds`);
    await expect.poll(() => dashboard.chartPoints('accuracy')).toBe(before.rounds.length);

    await coordinator.restart();

    // The open page reconnects by itself (EventSource + Last-Event-ID) …
    await dashboard.expectLive();
    const after = await get<{ rounds: Round[] }>(`/api/tasks/${taskId}/rounds`);
    expect(after.rounds.map((r) => [r.round, r.outcome, r.testAccuracy])).toEqual(before.rounds.map((r) => [r.round, r.outcome, r.testAccuracy]));
    const committed = after.rounds.filter((r) => r.outcome === 'committed').at(-1)!;
    const check = async () => {
      await expect(dashboard.id('dashboard.metrics.lastRound')).toHaveText(String(after.rounds.at(-1)!.round));
      await expect(dashboard.id('dashboard.metrics.accuracy')).toHaveText(fmt(committed.testAccuracy));
      await expect(dashboard.id('dashboard.metrics.delta')).toHaveText(fmt(committed.delta));
      await expect.poll(() => dashboard.chartPoints('accuracy')).toBe(after.rounds.length);
      await expect(dashboard.page.locator('[data-testid="dashboard.log.entry"][data-type="client.joined"]')).not.toHaveCount(0);
    };
    await check();

    // … and a fresh load builds the same picture from REST and the replayed events.
    await page.reload();
    await dashboard.expectLive();
    await dashboard.selectTask(taskId);
    await check();
  });
});
