// Six join tabs train McMahan et al.'s 2NN on IID MNIST partitions to ≥ 95 % test accuracy; the
// rounds the coordinator records match what the pages show, and the pages stay responsive.

import { WASM, eventually, expect, test } from './fixtures.ts';

const TABS = 6;

// 6 × 2,500 examples, E = 1, B = 20, lr 0.2: FedAvg passes 95 % on the full test set in about
// 6–9 rounds (measured with the same settings in Node), each round 10–15 s with 6 tabs on 2 cores.
const TASK = {
  name: 'e2e: 6 tabs, 2NN, IID',
  model: { kind: 'mnist-2nn' },
  data: { partition: { kind: 'iid', numClients: TABS, seed: 1, examplesPerClient: 2500 }, testLimit: 10000, simulation: true },
  fit: { fractionFit: 1, minFitClients: TABS, minAvailableClients: TABS, epochs: 1, batchSize: 20, learningRate: 0.2 },
  stop: { maxRounds: 20, targetAccuracy: 0.95, roundDeadlineMs: 90_000, minReports: TABS },
  baseline: { enabled: false },
};

test('6 tabs reach 95 % test accuracy on IID MNIST, as the pages show', async ({ coordinator, tabs }) => {
  test.setTimeout(200_000);
  const taskId = await coordinator.api.createTask(TASK);
  const pages = [];
  for (let i = 0; i < TABS; i++) pages.push(await tabs.open(taskId, i, WASM));

  await test.step('every tab is on WASM, loaded its own partition and joined', async () => {
    for (const join of pages) {
      await expect(join.backend).toHaveAttribute('data-backend', 'wasm', { timeout: 60_000 });
      await expect(join.connection).toHaveAttribute('data-status', /idle|training|uploading/);
      expect((await join.snapshot()).examples).toBe(2500);
    }
  });

  await test.step('the page thread has no long tasks while the worker trains', async () => {
    await Promise.all(pages.map((p) => p.watchLongTasks()));
  });

  const task = await eventually(async () => {
    const t = await coordinator.api.task(taskId);
    return t.state === 'running' ? undefined : t;
  }, 180_000, 'the task to reach its target accuracy');
  expect(task.state).toBe('completed');

  const rounds = await coordinator.api.rounds(taskId);
  const committed = rounds.filter((r) => r.outcome === 'committed');
  const last = committed.at(-1)!;
  expect(last.testAccuracy).toBeGreaterThanOrEqual(0.95);
  test.info().annotations.push({
    type: 'rounds',
    description: committed.map((r) => `round ${r.round}: acc ${r.testAccuracy?.toFixed(4)} in ${((r.endedAt - r.startedAt) / 1000).toFixed(1)} s`).join('; '),
  });

  await test.step("each page's history is the coordinator's record of that client", async () => {
    for (const join of pages) {
      await expect(join.roundNumber).toHaveText(String(last.round));
      const snap = await join.snapshot();
      const mine = [];
      for (const r of committed) {
        const detail = await coordinator.api.round(taskId, r.round);
        if (detail.clients.some((c) => c.clientId === snap.clientId && c.outcome === 'reported')) mine.push(r.round);
      }
      const shown = snap.history.filter((h) => h.outcome === 'committed').map((h) => h.round).sort((a, b) => a - b);
      expect(shown).toEqual(mine);
      await expect(join.historyRows.and(join.page.locator('[data-outcome="committed"]'))).toHaveCount(mine.length);
    }
  });

  await test.step('long tasks on the page thread stayed rare and short', async () => {
    const perTab = await Promise.all(pages.map((p) => p.longTasks()));
    const all = perTab.flat();
    const worst = Math.max(0, ...all);
    const wallMs = last.endedAt - committed[0]!.startedAt;
    const busiest = Math.max(...perTab.map((tasks) => tasks.reduce((sum, ms) => sum + ms, 0)));
    test.info().annotations.push({
      type: 'long tasks',
      description: `${all.length} over ${TABS} tabs, longest ${worst.toFixed(0)} ms, busiest tab ${busiest.toFixed(0)} ms of ${wallMs} ms`,
    });
    // Long-task durations are wall time: with six workers training on two cores, a 40 ms React
    // commit or frame decode on the page can be stretched past 250 ms. Training on the page thread
    // would instead keep it busy for most of every round, so the checks are a bound a responsive
    // page meets under that contention (no task near a second) and the page thread's share of the
    // task's wall time.
    expect(worst).toBeLessThan(1000);
    expect(busiest / wallMs).toBeLessThan(0.1);
  });
});
