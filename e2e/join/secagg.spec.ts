// Secure aggregation in the browser: three join tabs run the four SecAgg stages (X25519 and
// AES through the page's WebCrypto) and the coordinator commits a round from their masked updates.

import { WASM, eventually, expect, test } from './fixtures.ts';

const TABS = 3;

const TASK = {
  name: 'e2e: SecAgg in 3 tabs',
  model: { kind: 'mnist-2nn' },
  data: { partition: { kind: 'iid', numClients: TABS, seed: 5, examplesPerClient: 300 }, testLimit: 1000, simulation: true },
  fit: { fractionFit: 1, minFitClients: TABS, minAvailableClients: TABS, epochs: 1, batchSize: 10, learningRate: 0.1 },
  stop: { maxRounds: 1, roundDeadlineMs: 120_000, minReports: TABS },
  baseline: { enabled: false },
  privacy: { secureAggregation: { enabled: true, mode: 'full', clip: 0.5 } },
};

test('3 tabs commit a round with secure aggregation; each page went through every stage', async ({ coordinator, tabs }) => {
  test.setTimeout(180_000);
  const taskId = await coordinator.api.createTask(TASK);
  const pages = [];
  for (let i = 0; i < TABS; i++) pages.push(await tabs.open(taskId, i, WASM));

  const round = await eventually(async () => (await coordinator.api.rounds(taskId)).find((r) => r.round === 1), 150_000, 'round 1 to end');
  expect(round, `round 1 ended: ${round.reason}`).toMatchObject({ outcome: 'committed', reported: TABS });
  // Three clients' 300 examples after one round of E = 1: well above chance (measured 0.675 on 1,000 test examples).
  expect(round.testAccuracy).toBeGreaterThan(0.5);

  for (const join of pages) {
    // The last stage a page completes is revealing its shares for the unmasking.
    await expect(join.secagg).toHaveAttribute('data-stage', 'revealed');
    const snap = await join.snapshot();
    expect(snap.history.find((h) => h.round === 1)?.outcome).toBe('committed');
    expect(snap.lastError).toBeNull();
  }
  test.info().annotations.push({ type: 'SecAgg round', description: `${((round.endedAt - round.startedAt) / 1000).toFixed(1)} s, test accuracy ${round.testAccuracy?.toFixed(4)}` });
});
