// Devices come and go: two of six tabs close mid-round (the round completes or is abandoned
// cleanly, the dropouts are recorded, training goes on), a tab that goes offline comes back as
// the same client, and a reload rejoins as the same client.

import { WASM, eventually, expect, test } from './fixtures.ts';
import type { JoinPageObject } from './JoinPageObject.ts';

const TABS = 6;

const TASK = {
  name: 'e2e: dropouts',
  model: { kind: 'mnist-2nn' },
  data: { partition: { kind: 'iid', numClients: TABS, seed: 2, examplesPerClient: 600 }, testLimit: 1000, simulation: true },
  // Rounds wait for 3 connected tabs and close once everyone selected has settled.
  fit: { fractionFit: 1, minFitClients: 3, minAvailableClients: 3, epochs: 2, batchSize: 10, learningRate: 0.1 },
  stop: { maxRounds: 100, roundDeadlineMs: 30_000, minReports: 2 },
  baseline: { enabled: false },
};

async function training(join: JoinPageObject): Promise<number> {
  return eventually(async () => {
    const s = await join.snapshot();
    return s.phase === 'training' && s.round !== null ? s.round : undefined;
  }, 60_000, 'a tab to train');
}

test('closed and offline tabs are dropouts; training continues; offline and reloaded tabs rejoin as themselves', async ({ coordinator, tabs }) => {
  test.setTimeout(180_000);
  const taskId = await coordinator.api.createTask(TASK);
  const pages: JoinPageObject[] = [];
  for (let i = 0; i < TABS; i++) pages.push(await tabs.open(taskId, i, WASM));
  const [closedA, closedB, offline, reloaded] = [pages[0]!, pages[1]!, pages[2]!, pages[3]!];

  const closedRound = await test.step('two tabs close mid-round', async () => {
    await eventually(async () => ((await coordinator.api.rounds(taskId)).some((r) => r.outcome === 'committed') ? true : undefined), 90_000, 'a first committed round');
    const round = await training(closedA);
    await closedA.context.close();
    await closedB.context.close();
    return round;
  });

  await test.step('that round ends cleanly and records both dropouts', async () => {
    const record = await eventually(async () => (await coordinator.api.rounds(taskId)).find((r) => r.round === closedRound), 60_000, `round ${closedRound} to end`);
    expect(['committed', 'abandoned']).toContain(record.outcome);
    const detail = await coordinator.api.round(taskId, closedRound);
    expect(detail.clients.filter((c) => c.outcome === 'disconnected').length).toBeGreaterThanOrEqual(1);
    expect(record.dropped).toBeGreaterThanOrEqual(1);
  });

  await test.step('training continues with the four remaining tabs', async () => {
    await eventually(async () => {
      const after = (await coordinator.api.rounds(taskId)).filter((r) => r.round > closedRound && r.outcome === 'committed');
      return after.length >= 1 ? after : undefined;
    }, 60_000, 'a committed round after the dropouts');
  });

  await test.step('a tab that goes offline comes back as the same client', async () => {
    const before = await offline.snapshot();
    const wentOffline = Date.now();
    await offline.context.setOffline(true);
    // The page hears the browser's offline event and gives its socket up at once.
    await expect(offline.connection).toHaveAttribute('data-status', 'reconnecting', { timeout: 5_000 });
    // The coordinator lets the client go at once when the page's close gets through (it did in
    // Chromium's offline emulation, in 0.6 s), else after its ping timeout (6 s); both well
    // before three missed heartbeats (15 s) would.
    await eventually(async () => ((await coordinator.api.clients()).find((c) => c.id === before.clientId)?.connected === false ? true : undefined), 14_000, 'the coordinator to notice the offline tab');
    test.info().annotations.push({ type: 'offline noticed', description: `${((Date.now() - wentOffline) / 1000).toFixed(1)} s after going offline` });
    await offline.context.setOffline(false);
    await expect(offline.connection).toHaveAttribute('data-status', /idle|training|uploading/, { timeout: 30_000 });
    const after = await offline.snapshot();
    expect(after.clientId).toBe(before.clientId);
    const rejoinedRound = await training(offline);
    await eventually(async () => {
      const detail = await coordinator.api.round(taskId, rejoinedRound).catch(() => undefined);
      return detail?.clients.some((c) => c.clientId === after.clientId && c.outcome === 'reported') ? true : undefined;
    }, 60_000, 'the offline tab to report again');
  });

  await test.step('a reload rejoins as the same client', async () => {
    const id = (await reloaded.snapshot()).clientId;
    await reloaded.page.reload();
    await expect(reloaded.clientId).toHaveText(id!, { timeout: 60_000 });
  });

  const clients = await coordinator.api.clients();
  expect(clients.filter((c) => c.kind === 'browser')).toHaveLength(TABS);
  expect(clients.reduce((n, c) => n + c.dropouts, 0)).toBeGreaterThanOrEqual(2);
});
