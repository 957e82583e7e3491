// Three Node parties run a hetero LR job through the coordinator while the dashboard shows the
// aligned row count and, per epoch, the arbiter's loss and the guest's test accuracy next to the
// coordinator's two baselines, as REST does; a split NN job with two hosts likewise, with its own
// baselines and all four roles listed.

import { expect, test } from './fixtures.ts';
import { createVerticalJob, rest, startVerticalParty, type ChildHandle } from './support/processes.ts';

interface Job {
  id: string;
  state: string;
  intersection: number | null;
  epochs: { epoch: number; loss?: number; accuracy?: number }[];
  baselines: { epoch: number; centralised: number; labelHolderAlone: number }[] | null;
  partyTokens: Record<'guest' | 'host' | 'host-2' | 'arbiter', string>;
}

test.describe('a vertical job on the dashboard', () => {
  const parties: ChildHandle[] = [];

  test.afterEach(async ({}, testInfo) => {
    // A job that never starts or ends: the parties' own lines say which one did not join, or why.
    if (testInfo.status !== testInfo.expectedStatus) {
      const lines = parties.map((p) => p.output()).join('\n---\n');
      console.log(`vertical party output:\n${lines}`);
      await testInfo.attach('vertical parties', { body: lines, contentType: 'text/plain' });
    }
  });

  test.afterAll(async () => {
    await Promise.all(parties.map((p) => p.stop()));
  });

  test('shows alignment, then loss and accuracy per epoch, matching the REST API', async ({ dashboard, coordinator }) => {
    const job = await createVerticalJob<Job>(coordinator.url, coordinator.token, { algorithm: 'hetero-lr', epochs: 2, batchSize: 64, learningRate: 1, keyBits: 1024, simulation: { rows: 160, testRows: 200 } });
    await dashboard.open(coordinator.token);
    const block = dashboard.verticalJob(job.id);
    await expect(block.getByTestId('dashboard.vertical.state')).toHaveText('waiting');
    await expect(block.getByTestId('dashboard.vertical.algorithm')).toHaveText('hetero LR');

    for (const role of ['guest', 'host', 'arbiter'] as const) {
      parties.push(startVerticalParty(coordinator.url, job.id, role, job.partyTokens[role]));
    }
    await expect(block.getByTestId('dashboard.vertical.state')).toHaveText('done', { timeout: 180_000 });
    const done = await rest<Job>(coordinator.url, coordinator.token, `/api/vertical/jobs/${job.id}`);
    expect(done.intersection).toBeGreaterThan(100);
    await expect(block.getByTestId('dashboard.vertical.intersection')).toHaveText(String(done.intersection));
    await expect(block.getByTestId('dashboard.vertical.epoch')).toHaveCount(2);
    const shown = await block.getByTestId('dashboard.vertical.accuracy').allTextContents();
    expect(shown).toEqual(done.epochs.map((e) => e.accuracy!.toFixed(3)));
    await expect(block.getByTestId('dashboard.vertical.centralised')).toHaveText(done.baselines!.map((b) => b.centralised.toFixed(3)));
    await expect(block.getByTestId('dashboard.vertical.alone')).toHaveText(done.baselines!.map((b) => b.labelHolderAlone.toFixed(3)));
    expect(done.epochs.every((e) => Number.isFinite(e.loss))).toBe(true);
    for (const p of parties) expect(p.output()).toContain('done');
  });

  test('shows a two-host split NN job\'s roles, and its accuracy next to its centralised and label-holder-alone baselines', async ({ dashboard, coordinator }) => {
    const job = await createVerticalJob<Job>(coordinator.url, coordinator.token, { algorithm: 'split-nn', epochs: 1, batchSize: 32, learningRate: 0.01, hosts: 2, simulation: { rows: 300, overlap: 0.9, seed: 3, testRows: 100 } });
    await dashboard.open(coordinator.token);
    const block = dashboard.verticalJob(job.id);
    const roles = ['guest', 'host', 'host-2', 'arbiter'] as const;
    await expect(block.getByTestId('dashboard.vertical.algorithm')).toHaveText('split NN');
    await expect(block).toContainText('2 hosts');
    await expect(block.getByTestId('dashboard.vertical.role')).toHaveText(roles.map((r) => new RegExp(`^(, )?${r} …$`)));
    for (const role of roles) {
      parties.push(startVerticalParty(coordinator.url, job.id, role, job.partyTokens[role]));
    }
    await expect(block.getByTestId('dashboard.vertical.state')).toHaveText('done', { timeout: 60_000 });
    await expect.poll(async () => (await rest<Job>(coordinator.url, coordinator.token, `/api/vertical/jobs/${job.id}`)).baselines).not.toBeNull();
    const done = await rest<Job>(coordinator.url, coordinator.token, `/api/vertical/jobs/${job.id}`);
    await expect(block.getByTestId('dashboard.vertical.accuracy')).toHaveText([done.epochs[0]!.accuracy!.toFixed(3)]);
    await expect(block.getByTestId('dashboard.vertical.centralised')).toHaveText([done.baselines![0]!.centralised.toFixed(3)]);
    await expect(block.getByTestId('dashboard.vertical.alone')).toHaveText([done.baselines![0]!.labelHolderAlone.toFixed(3)]);
    await expect(block.getByTestId('dashboard.vertical.role')).toHaveText(roles.map((r) => new RegExp(`^(, )?${r} ✓$`)));
    // Ten digits, one epoch on a few hundred rows: both baselines above the 0.1 of chance, the label
    // holder alone (9 leftmost columns; measured 0.26) well below all features.
    const { centralised, labelHolderAlone } = done.baselines![0]!;
    expect(labelHolderAlone).toBeGreaterThan(0.15);
    expect(centralised).toBeGreaterThan(Math.max(0.3, labelHolderAlone + 0.05));
  });
});
