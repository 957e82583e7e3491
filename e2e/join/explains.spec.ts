// The join page explains itself in plain words and shows what a person needs to see, with pause,
// resume and leave working.

import { expect, test } from './fixtures.ts';

test('the page says what happens and shows the device, task, round and controls', async ({ coordinator, tabs }) => {
  test.setTimeout(90_000);
  const taskId = await coordinator.api.createTask({
    name: 'e2e: explainer', data: { partition: { kind: 'iid', numClients: 2, seed: 1, examplesPerClient: 100 }, testLimit: 500 },
    fit: { fractionFit: 1, minFitClients: 2, minAvailableClients: 2 }, baseline: { enabled: false },
  });
  const join = await tabs.open(taskId, 1, { backend: 'cpu' });

  for (const text of [
    /the model comes down/i, /training runs on this device/i, /only the update goes up/i, /raw data never leaves/i,
  ]) await expect(join.explainer.getByText(text)).toBeVisible();

  await expect(join.backend).toHaveAttribute('data-backend', 'cpu', { timeout: 30_000 });
  await expect(join.backend).toContainText('forced');
  await expect(join.page.getByTestId('join.data')).toContainText('100 MNIST examples of simulated partition 1');
  await expect(join.connection).toHaveAttribute('data-status', 'idle');
  await expect(join.page.getByTestId('join.task')).toContainText('e2e: explainer');
  await expect(join.roundPhase).toHaveText('waiting');

  await join.pause.click();
  await expect(join.connection).toHaveAttribute('data-status', 'stopped');
  await join.resume.click();
  await expect(join.connection).toHaveAttribute('data-status', 'idle');
  const id = await join.clientId.textContent();
  await join.leave.click();
  await expect(join.page.getByTestId('join.left')).toBeVisible();
  expect(await join.page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('flotilla.identity')))).toEqual([]);
  expect(id).toMatch(/\S/);
});
