// Contribution on screen: a small MNIST task with exact Shapley values, created with the dashboard's
// form; four Node clients (one trains on shuffled labels) and a join tab train it. The ranked table
// puts the noisy client last, the CSV link downloads the same ranking, a thresholded reward split
// changes the shares, and the join tab shows its own standing only.

import { readFile } from 'node:fs/promises';
import type { ContributionView } from '@flotilla/protocol';
import { expect, isolatedTest as test } from './fixtures.ts';
import { rest, startFleet, type ChildHandle } from './support/processes.ts';

test('the Contribution panel ranks a noisy-label client last, exports the ranking and splits the reward as the operator sets it', async ({ dashboard, coordinator, page, browser }) => {
  const get = <T>(p: string) => rest<T>(coordinator.url, coordinator.token, p);
  await dashboard.open(coordinator.token);
  await dashboard.expectLive();

  // Arrange: five clients of 150 examples, all in every round, four rounds valued by exact Shapley on 300 held-back examples.
  const form = (field: string) => dashboard.id(`dashboard.create.${field}`);
  for (const [field, value] of Object.entries({ name: 'who contributed', clients: '5', examples: '150', fraction: '1', minClients: '5', rounds: '4', target: '0', testLimit: '500' })) {
    await form(field).fill(value);
  }
  await form('baseline').setChecked(false);
  await form('contribution.enabled').setChecked(true);
  await form('contribution.method').selectOption('exact');
  await form('contribution.validationExamples').fill('300');
  await form('submit').click();
  await expect(form('message')).toHaveText(/^created /);
  const taskId = (await dashboard.id('dashboard.task').getAttribute('data-task-id'))!;
  const task = await get<{ config: { contribution: { enabled: boolean; method: string; validation: { examples: number } } } }>(`/api/tasks/${taskId}`);
  expect(task.config.contribution).toMatchObject({ enabled: true, method: 'exact', validation: { examples: 300 } });
  await expect(dashboard.id('dashboard.contribution')).toBeVisible();

  let fleet: ChildHandle | null = null;
  const tab = await browser.newContext();
  try {
    // Act: clients 0–3 in a Node fleet (one of them shuffles its labels), client 4 a join tab.
    fleet = startFleet(coordinator.url, coordinator.token, ['--task', taskId, '--byzantine', '0.25', '--attack', 'labelshuffle']);
    const join = await tab.newPage();
    await join.goto(`${coordinator.url}/?task=${taskId}&partition=4`);
    await expect.poll(() => /Byzantine clients \(labelshuffle\): (\d+)/.exec(fleet!.output())?.[1] ?? null, { timeout: 60_000 }).not.toBeNull();
    const noisyPartition = Number(/Byzantine clients \(labelshuffle\): (\d+)/.exec(fleet.output())![1]);

    // Which client holds which partition, read while all five are connected (the fleet leaves when the task ends, and /api/clients names partitions of connected clients only).
    let partitions = new Map<number, string>();
    await expect.poll(async () => {
      const { clients } = await get<{ clients: { id: string; partitionIndex: number | null }[] }>('/api/clients');
      partitions = new Map(clients.filter((c) => c.partitionIndex !== null).map((c) => [c.partitionIndex!, c.id]));
      return partitions.size;
    }, { timeout: 90_000 }).toBe(5);
    const noisy = partitions.get(noisyPartition)!;
    const tabClient = partitions.get(4)!;

    // The join tab learns its own standing after the first valued round: rank r of 5.
    const standing = join.getByTestId('join.standing');
    await expect(standing).toBeVisible({ timeout: 120_000 });
    await expect(standing).toHaveAttribute('data-of', '5');
    await expect(standing).toContainText(/^rank [1-5] of 5 after round \d+/);

    await expect.poll(async () => (await get<{ state: string }>(`/api/tasks/${taskId}`)).state, { timeout: 150_000 }).toBe('completed');
    await expect.poll(async () => (await get<ContributionView>(`/api/tasks/${taskId}/contributions`)).rounds.length, { timeout: 30_000 }).toBe(4);
    const view = await get<ContributionView>(`/api/tasks/${taskId}/contributions`);

    // Assert: the table ranks as the API does, the noisy client last, the policy marks nobody (uniform).
    const rows = dashboard.id('dashboard.contribution.row');
    await expect(rows).toHaveCount(5);
    await expect(dashboard.id('dashboard.contribution.round')).toHaveCount(4);
    const order = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-client-id')));
    expect(order).toEqual(view.standings.map((s) => s.clientId));
    expect(order.at(-1)).toBe(noisy);
    await expect(dashboard.id('dashboard.chart.contribution')).toHaveAttribute('data-points', '4');
    await expect(dashboard.id('dashboard.contribution.round').first()).toHaveAttribute('data-method', 'exact');

    // The join tab's card is its own row of the table, as of the last round.
    const own = view.standings.find((s) => s.clientId === tabClient)!;
    await expect(standing).toHaveAttribute('data-round', '4');
    await expect(standing).toHaveAttribute('data-rank', String(own.rank));
    expect(Number(await standing.getAttribute('data-cumulative'))).toBeCloseTo(own.cumulative, 10);

    // The CSV link downloads the same ranking.
    const [download] = await Promise.all([page.waitForEvent('download'), dashboard.id('dashboard.contribution.csv').click()]);
    const csv = (await readFile((await download.path())!, 'utf8')).trim().split(/\r?\n/);
    expect(csv[0]).toBe('rank,client,cumulative,rounds,share,reward');
    expect(csv.slice(1).map((line) => line.split(',')[1])).toEqual(order);

    // A threshold between the smallest and the largest positive share leaves the smallest with nothing.
    const positive = view.standings.filter((s) => s.share > 0).map((s) => s.share).sort((a, b) => a - b);
    expect(positive.length).toBeGreaterThanOrEqual(2);
    const threshold = ((positive[0]! + positive.at(-1)!) / 2).toFixed(3);
    const sharesOnScreen = () => rows.evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-share'))));
    const before = await sharesOnScreen();
    await dashboard.id('dashboard.contribution.reward.kind').selectOption('threshold');
    await dashboard.id('dashboard.contribution.reward.threshold').fill(threshold);
    await dashboard.id('dashboard.contribution.reward.pool').fill('50');
    await dashboard.id('dashboard.contribution.reward.save').click();
    await expect(dashboard.id('dashboard.contribution.reward.message')).toHaveText(`reward split: threshold, pool 50, threshold ${Number(threshold)}`);
    const after = await get<ContributionView>(`/api/tasks/${taskId}/contributions`);
    expect(after.reward).toEqual({ kind: 'threshold', pool: 50, threshold: Number(threshold) });
    await expect.poll(sharesOnScreen).toEqual(after.standings.map((s) => s.share));
    expect(await sharesOnScreen()).not.toEqual(before);
    expect(after.standings.find((s) => s.share === 0 && s.cumulative > 0)).toBeDefined();
    await expect(dashboard.id('dashboard.contribution.reward-amount').first()).toHaveText(after.standings[0]!.reward.toFixed(2));
  } finally {
    await fleet?.stop();
    await tab.close();
  }
});
