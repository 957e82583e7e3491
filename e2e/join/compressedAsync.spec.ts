// Three join tabs (one a 3× slower device) train an asynchronous (FedBuff) task whose updates go
// up in int8, while the operator dashboard watches: it shows the buffer instead of a round, the
// versions as they commit, the codecs, and per version the bytes each client's updates carried,
// the same bytes the REST API records, a quarter of what float32 updates would have taken.

import { DashboardPage } from '../dashboard/DashboardPage.ts';
import { fmtBytes } from '../../apps/web/src/dashboard/format.ts';
import { WASM, eventually, expect, test } from './fixtures.ts';

const TABS = 3;
const VERSIONS = 4;
// The 2NN's weights: int8 sends about one byte each, float32 four.
const MODEL_VALUES = 784 * 200 + 200 + 200 * 200 + 200 + 200 * 10 + 10;

const TASK = {
  name: 'e2e: int8 FedBuff, 3 tabs',
  model: { kind: 'mnist-2nn' },
  data: { partition: { kind: 'iid', numClients: TABS, seed: 2, examplesPerClient: 300 }, testLimit: 500, simulation: true },
  fit: { fractionFit: 1, minFitClients: 1, minAvailableClients: TABS, epochs: 1, batchSize: 20, learningRate: 0.1 },
  stop: { maxRounds: VERSIONS, targetAccuracy: null, roundDeadlineMs: 90_000, minReports: 1 },
  baseline: { enabled: false },
  communication: { uplink: { codec: 'int8', granularity: 'tensor', stochastic: true }, downlink: { codec: 'float32' }, downlinkDelta: false },
  asynchronous: { enabled: true, bufferSize: 2, concurrency: TABS, maxStaleness: 10 },
};

interface Version {
  round: number;
  outcome: string;
  modelVersion: number;
  bytesUp: number;
  bytesDown: number;
  asynchronous?: { bufferSize: number; updatesByClient: Record<string, number> };
  clients: { clientId: string; bytesUp?: number; bytesDown?: number }[];
}

test('tabs train an int8 asynchronous task; the dashboard shows its buffer, versions and the bytes the updates carried', async ({ coordinator, tabs, browser }) => {
  test.setTimeout(200_000);
  const taskId = await coordinator.api.createTask(TASK);
  for (let i = 0; i < TABS; i++) await tabs.open(taskId, i, { ...WASM, ...(i === TABS - 1 ? { slowdown: '3' } : {}) });

  const context = await browser.newContext();
  const dashboard = new DashboardPage(await context.newPage(), coordinator.url);
  try {
    await test.step('the dashboard shows the buffer in place of a round, and the codecs', async () => {
      await dashboard.open(coordinator.api.token);
      await dashboard.expectLive();
      await dashboard.selectTask(taskId);
      await expect(dashboard.id('dashboard.async')).toBeVisible();
      await expect(dashboard.id('dashboard.round')).toHaveCount(0);
      await expect(dashboard.id('dashboard.bytes.codecs')).toContainText('uplink int8 per tensor, stochastic');
      await expect(dashboard.id('dashboard.bytes.codecs')).toContainText('downlink float32');
    });

    await test.step('the buffer fills and versions commit while the tabs train', async () => {
      await expect(dashboard.id('dashboard.async.filled')).toHaveText(/^[0-2] of 2$/);
      await expect.poll(async () => Number(await dashboard.text('dashboard.metrics.modelVersion')), { timeout: 150_000 }).toBeGreaterThanOrEqual(1);
    });

    const task = await eventually(async () => {
      const t = await coordinator.api.task(taskId);
      return t.state === 'running' ? undefined : t;
    }, 180_000, 'the asynchronous task to spend its version budget');
    expect(task.state).toBe('completed');
    expect(task.modelVersion).toBe(VERSIONS);

    const versions = await Promise.all(Array.from({ length: VERSIONS }, (_, i) => coordinator.api.request<Version>(`/api/tasks/${taskId}/rounds/${i + 1}`)));
    await test.step('each version holds K int8 updates: about a byte a weight, a quarter of float32', async () => {
      for (const v of versions) {
        expect([v.outcome, v.modelVersion, v.asynchronous?.bufferSize]).toEqual(['committed', v.round, 2]);
        expect(v.bytesUp).toBeGreaterThanOrEqual(2 * MODEL_VALUES);
        expect(v.bytesUp).toBeLessThan((2 * MODEL_VALUES * 4) / 3.5);
        expect(v.clients.reduce((n, c) => n + (c.bytesUp ?? 0), 0)).toBe(v.bytesUp);
      }
    });

    await test.step('the dashboard shows the last version, its staleness and its bytes per client as recorded', async () => {
      await expect(dashboard.id('dashboard.metrics.modelVersion')).toHaveText(String(VERSIONS));
      await expect(dashboard.id('dashboard.async.histogram')).toBeVisible();
      await expect.poll(() => dashboard.chartPoints('bytes'), { timeout: 30_000 }).toBeGreaterThanOrEqual(VERSIONS);
      await dashboard.id('dashboard.bytes.round').selectOption(String(VERSIONS));
      const last = versions.at(-1)!;
      await expect(dashboard.id('dashboard.bytes.total')).toContainText(fmtBytes(last.bytesUp));
      await expect(dashboard.id('dashboard.bytes.client')).toHaveCount(last.clients.length);
      for (const c of last.clients) {
        await expect(dashboard.page.locator('[data-testid="dashboard.bytes.client"]', { hasText: c.clientId.slice(0, 8) }).getByTestId('dashboard.bytes.up'))
          .toHaveText(fmtBytes(c.bytesUp ?? 0));
      }
    });

    await test.step('the slower tab contributed fewer updates than the fastest', async () => {
      const updates = new Map<string, number>();
      for (const v of versions) for (const [id, n] of Object.entries(v.asynchronous!.updatesByClient)) updates.set(id, (updates.get(id) ?? 0) + n);
      const slowId = (await tabs.pages[TABS - 1]!.snapshot()).clientId!;
      const fastest = Math.max(...[...updates.values()]);
      expect(updates.get(slowId) ?? 0).toBeLessThan(fastest);
    });
  } finally {
    await context.close();
  }
});
