// The CNN (two 5×5 convolutions) trains in the browser: two tabs complete a round on the backend
// their ladder chose (on a machine without a GPU that is WASM, with our Conv2DBackpropFilter),
// after measuring every rung, WebGPU included.

import { CHROMIUM_ARGS, WEBGPU_ARGS, chromiumPath } from '../../apps/fleet/src/browser/chromium.ts';
import { eventually, expect, test } from './fixtures.ts';

// The one spec whose browser offers WebGPU: its ladder measures that rung too.
test.use({ launchOptions: { executablePath: chromiumPath(null), args: [...CHROMIUM_ARGS, ...WEBGPU_ARGS] } });

const TASK = {
  name: 'e2e: CNN in 2 tabs',
  model: { kind: 'mnist-cnn' },
  data: { partition: { kind: 'iid', numClients: 2, seed: 3, examplesPerClient: 200 }, testLimit: 1000, simulation: true },
  fit: { fractionFit: 1, minFitClients: 2, minAvailableClients: 2, epochs: 1, batchSize: 10, learningRate: 0.05 },
  stop: { maxRounds: 1, roundDeadlineMs: 120_000, minReports: 2 },
  baseline: { enabled: false },
};

test('the CNN completes a round in 2 tabs on the backend the ladder chose', async ({ coordinator, tabs }) => {
  test.setTimeout(180_000);
  const taskId = await coordinator.api.createTask(TASK);
  const pages = [await tabs.open(taskId, 0), await tabs.open(taskId, 1)];

  const round = await eventually(async () => (await coordinator.api.rounds(taskId)).find((r) => r.round === 1), 150_000, 'round 1 to end');
  expect(round.outcome).toBe('committed');
  expect(round.reported).toBe(2);

  const clients = await coordinator.api.clients();
  for (const join of pages) {
    const snap = await join.snapshot();
    const chosen = snap.backend!;
    // The ladder's choice is the fastest backend that worked, unless one was forced.
    const fastest = chosen.probes.filter((p) => p.ok).reduce((a, p) => ((p.examplesPerSec ?? 0) > (a.examplesPerSec ?? 0) ? p : a));
    expect(chosen.backend).toBe(fastest.backend);
    // Every rung was tried, WebGPU included, and the page shows what each gave.
    expect(chosen.probes.map((p) => p.backend)).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
    const webgpu = chosen.probes[0]!;
    await join.page.getByTestId('join.backend.probes').locator('summary').click();
    await expect(join.page.getByTestId('join.backend.probe.webgpu')).toContainText(webgpu.ok ? `webgpu: ${webgpu.examplesPerSec} examples/s` : `webgpu: unavailable — ${webgpu.reason}`);
    expect(clients.find((c) => c.id === snap.clientId)?.backend).toBe(chosen.backend);
    expect(snap.history.find((h) => h.round === 1)?.outcome).toBe('committed');
    test.info().annotations.push({ type: 'backend', description: `${chosen.backend} (${chosen.probes.map((p) => `${p.backend}: ${p.ok ? `${p.examplesPerSec}/s in ${p.ms} ms${p.adapter ? ` on ${p.adapter}` : ''}` : 'unavailable'}`).join(', ')})` });
  }
  test.info().annotations.push({ type: 'CNN round', description: `${((round.endedAt - round.startedAt) / 1000).toFixed(1)} s, test accuracy ${round.testAccuracy?.toFixed(4)}` });
});
