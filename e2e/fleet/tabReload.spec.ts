// A fleet's tab whose page could not load because the coordinator was down (Chromium's error
// page) does not stay there: the fleet's tab supervisor reloads it with backoff, and once the
// coordinator is back on the same port the page runs, joins and trains.

import { expect, test } from '@playwright/test';
import { TabSupervisor, lookAtPage, tabHealth } from '../../apps/fleet/src/browser/tabSupervisor.ts';
import { freePort, rest, startCoordinator, tempDir } from '../dashboard/support/processes.ts';

const TOKEN = 'e2e-tab-reload-operator-token-0123456789';

test('a tab opened while the coordinator was down keeps trying and joins once it is back', async ({ browser }) => {
  const dataDir = tempDir('flotilla-e2e-tab-reload-');
  const port = await freePort();
  let coordinator = await startCoordinator({ port, dataDir, operatorToken: TOKEN });
  const created = await fetch(`${coordinator.url}/api/tasks?start=true`, {
    method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'tab reload',
      data: { partition: { kind: 'iid', numClients: 1, seed: 8, examplesPerClient: 60 }, testLimit: 200 },
      fit: { fractionFit: 1, minFitClients: 1, minAvailableClients: 1, batchSize: 10, learningRate: 0.1 },
      stop: { maxRounds: 3, targetAccuracy: null, roundDeadlineMs: 60_000, minReports: 1 },
      baseline: { enabled: false },
    }),
  });
  const { id: taskId } = await created.json() as { id: string };
  process.kill(coordinator.child.pid!, 'SIGKILL');
  await new Promise((r) => coordinator.child.once('exit', r));

  const context = await browser.newContext();
  const page = await context.newPage();
  const joinUrl = `${coordinator.url}/?task=${taskId}&partition=0&backend=wasm`;
  await page.goto(joinUrl).catch(() => {});
  expect(tabHealth(await lookAtPage(page))).toBe('lost');
  const lines: string[] = [];
  const log = (t: string) => void lines.push(t);
  const supervisor = new TabSupervisor<{ index: number; down: boolean }>({
    look: () => lookAtPage(page),
    reload: async () => void await page.goto(joinUrl, { timeout: 30_000 }),
    reporter: { info: log, warn: log, round: log, baseline: () => {} },
    options: { baseMs: 500, maxMs: 2_000 },
  });
  const tab = { index: 0, down: false };
  try {
    // While the coordinator is away: reload after reload, each landing on the error page again.
    await expect.poll(async () => {
      await supervisor.check([tab]);
      return supervisor.reloads;
    }, { timeout: 30_000, intervals: [500] }).toBeGreaterThanOrEqual(2);
    expect(page.url()).toMatch(/^chrome-error:/);

    coordinator = await startCoordinator({ port, dataDir, operatorToken: TOKEN });
    await expect.poll(async () => {
      await supervisor.check([tab]);
      return tabHealth(await lookAtPage(page));
    }, { timeout: 60_000, intervals: [500] }).toBe('running');
    // The page's client joined and trained: the task completes its three rounds with it.
    await expect.poll(async () => (await rest<{ state: string }>(coordinator.url, TOKEN, `/api/tasks/${taskId}`)).state, { timeout: 90_000 }).toBe('completed');
    expect(lines[0]).toMatch(/^tab 0 lost the coordinator \(page not loaded\): reloading \(try 1\)/);
  } finally {
    await context.close();
    await coordinator.stop();
    await test.info().attach('supervisor lines', { body: lines.join('\n'), contentType: 'text/plain' });
  }
});
