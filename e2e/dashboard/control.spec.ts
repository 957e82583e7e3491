// Creating, starting, pausing, resuming and stopping a task from the dashboard: each click shows
// the new state on screen and the REST API agrees.

import { expect, test } from './fixtures.ts';
import { rest } from './support/processes.ts';

test('create, start, pause, resume and stop a task from the UI', async ({ dashboard, coordinator }) => {
  const stateOf = async (id: string) => (await rest<{ state: string }>(coordinator.url, coordinator.token, `/api/tasks/${id}`)).state;
  await dashboard.open(coordinator.token);
  await dashboard.expectLive();

  const taskId = await dashboard.createTask({ name: 'UI control', clients: '4', rounds: '50', target: '0', strategy: 'fedprox', start: false, baseline: false });

  await expect(dashboard.taskState).toHaveText('created');
  await expect(dashboard.task(taskId)).toHaveAttribute('data-state', 'created');
  const created = await rest<{ name: string; config: { strategy: { name: string }; data: { partition: { numClients: number } }; stop: { maxRounds: number } } }>(
    coordinator.url, coordinator.token, `/api/tasks/${taskId}`);
  expect(created).toMatchObject({ name: 'UI control', config: { strategy: { name: 'fedprox' }, data: { partition: { numClients: 4 } }, stop: { maxRounds: 50 } } });

  for (const [action, state] of [['start', 'running'], ['pause', 'paused'], ['resume', 'running'], ['stop', 'stopped']] as const) {
    await dashboard.control(action);
    await expect(dashboard.taskState).toHaveText(state);
    await expect(dashboard.task(taskId)).toHaveAttribute('data-state', state);
    expect(await stateOf(taskId)).toBe(state);
  }
  for (const action of ['start', 'pause', 'resume', 'stop'] as const) await expect(dashboard.id(`dashboard.control.${action}`)).toBeDisabled();
  await expect(dashboard.id('dashboard.task.reason')).toHaveText('stopped by the operator');
  await expect(dashboard.page.locator('[data-testid="dashboard.log.entry"][data-type="task.state"]').first()).toContainText('stopped');
});

test('an invalid task is refused with its code, shown in the form', async ({ dashboard, coordinator }) => {
  await dashboard.open(coordinator.token);
  await dashboard.expectLive();

  await dashboard.id('dashboard.create.fraction').fill('2');
  await dashboard.id('dashboard.create.submit').click();

  await expect(dashboard.id('dashboard.create.message')).toContainText('FLT_INVALID_TASK');
});

test('the global model downloads in tfjs format, and an uploaded model.json becomes a task', async ({ dashboard, coordinator, page }, testInfo) => {
  await dashboard.open(coordinator.token);
  await dashboard.expectLive();
  const source = await dashboard.createTask({ name: 'model source', clients: '4', start: false, baseline: false });
  await expect(dashboard.id('dashboard.model.version')).toHaveText('0');

  const downloads: string[] = [];
  page.on('download', (d) => downloads.push(d.suggestedFilename()));
  const first = page.waitForEvent('download');
  await dashboard.id('dashboard.model.download').click();
  const modelJson = await first;
  await expect.poll(() => downloads.length).toBe(2);
  expect(downloads).toEqual(['model.json', 'weights.bin']);

  const file = testInfo.outputPath('model.json');
  await modelJson.saveAs(file);
  await dashboard.id('dashboard.create.model').selectOption('upload');
  await dashboard.id('dashboard.create.upload').setInputFiles(file);
  const uploaded = await dashboard.createTask({ name: 'uploaded topology', clients: '4', start: false, baseline: false });

  expect(uploaded).not.toBe(source);
  const task = await rest<{ config: { model: { kind: string; modelTopology: { class_name: string } } } }>(coordinator.url, coordinator.token, `/api/tasks/${uploaded}`);
  expect(task.config.model.kind).toBe('tfjs');
  expect(task.config.model.modelTopology.class_name).toBe('Sequential');
});

test('a DP task from the form: the noise-multiplier helper fills z, adaptive clipping goes with SecAgg, and REST shows the privacy config', async ({ dashboard, coordinator }) => {
  await dashboard.open(coordinator.token);
  await dashboard.expectLive();
  await dashboard.id('dashboard.create.fraction').fill('1');
  await dashboard.id('dashboard.create.rounds').fill('10');

  await dashboard.id('dashboard.create.dp.kind').selectOption('client');
  await dashboard.id('dashboard.create.dp.clip').fill('0.5');
  await dashboard.id('dashboard.create.dp.targetEpsilon').fill('4');
  await dashboard.id('dashboard.create.dp.find').click();
  // Every client each round (C = 1) for 10 rounds: the same question asked of the REST API.
  const helper = await rest<{ noiseMultiplier: number; epsilon: number }>(coordinator.url, coordinator.token,
    '/api/privacy/noise-multiplier?targetEpsilon=4&delta=1e-5&sampleRate=1&rounds=10');
  await expect(dashboard.id('dashboard.create.dp.found')).toContainText(`z = ${helper.noiseMultiplier} reaches ε = ${helper.epsilon.toFixed(3)}`);
  await expect(dashboard.id('dashboard.create.dp.noise')).toHaveValue(String(helper.noiseMultiplier));

  await dashboard.id('dashboard.create.dp.adaptive').check();
  await dashboard.id('dashboard.create.dp.quantile').fill('0.6');
  await dashboard.id('dashboard.create.dp.countStd').fill('2');
  // Under secure aggregation the clients mask their unclipped bits with their updates: both go together.
  await dashboard.id('dashboard.create.secagg.enabled').check();

  const taskId = await dashboard.createTask({ name: 'UI DP task', clients: '4', start: false, baseline: false });
  const task = await rest<{ config: { privacy: Record<string, unknown> } }>(coordinator.url, coordinator.token, `/api/tasks/${taskId}`);
  expect(task.config.privacy).toMatchObject({
    differentialPrivacy: {
      enabled: true, clippingNorm: 0.5, noiseMultiplier: helper.noiseMultiplier, delta: 1e-5, targetEpsilon: 4,
      adaptiveClipping: { enabled: true, targetQuantile: 0.6, learningRate: 0.2, clippedCountStddev: 2 },
    },
    dpSgd: { enabled: false },
    secureAggregation: { enabled: true },
  });
  await expect(dashboard.id('dashboard.privacy.kind')).toHaveText('client-level DP-FedAvg');
  await expect(dashboard.id('dashboard.privacy.clipNorm')).toHaveText('not yet adapted');
});
