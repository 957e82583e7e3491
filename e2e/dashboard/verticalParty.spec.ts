// A browser tab joins a vertical job as the guest (the label holder) next to a Node host and arbiter:
// it aligns by PSI, trains (hetero LR under Paillier on its own CSV table, with nested Paillier
// workers, or a split NN in its worker's tfjs on the job's simulated table) and shows what the REST API reports.

import { readFileSync } from 'node:fs';
import { expect, test } from './fixtures.ts';
import { createVerticalJob, rest, startVerticalParty, tempDir, writeSimulatedCsv, type ChildHandle } from './support/processes.ts';
import { VerticalPartyPage } from './VerticalPartyPage.ts';

interface Job {
  id: string;
  state: string;
  intersection: number | null;
  epochs: { epoch: number; loss?: number; accuracy?: number }[];
  baselines: unknown[] | null;
  partyTokens: Record<'guest' | 'host' | 'arbiter', string>;
}

test.describe('a vertical party in the browser', () => {
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

  test('the guest tab loads its own CSV table, aligns, trains on its nested Paillier workers and shows the same intersection and validation accuracy as REST', async ({ page, coordinator }) => {
    // An own-data job (no simulation): each party brings a CSV table; here the simulated split written as files.
    const files = await writeSimulatedCsv(tempDir('flotilla-vfl-csv-'), ['--rows', '160']);
    const job = await createVerticalJob<Job>(coordinator.url, coordinator.token, { algorithm: 'hetero-lr', epochs: 1, batchSize: 64, learningRate: 1, keyBits: 1024 });
    // A wrong token is refused before any data leaves the coordinator.
    const refused = await fetch(`${coordinator.url}/vertical/jobs/${job.id}/tables/guest?token=wrong`);
    expect(refused.status).toBe(401);

    const tab = new VerticalPartyPage(page, coordinator.url);
    await tab.open();
    await tab.join(job.id, 'guest', job.partyTokens.guest, files.guest);
    await expect(tab.phase).toHaveText('waiting');
    // The worker parsed the file: its data rows (all lines but the header) and the 4 × 7 pooled pixels of the left columns.
    const dataRows = readFileSync(files.guest, 'utf8').trim().split('\n').length - 1;
    await expect(tab.tableRows).toHaveText(String(dataRows));
    await expect(tab.tableFeatures).toHaveText('28');
    await expect(tab.tableClasses).toHaveText('2');
    parties.push(startVerticalParty(coordinator.url, job.id, 'host', job.partyTokens.host, ['--table', files.host]));
    parties.push(startVerticalParty(coordinator.url, job.id, 'arbiter', job.partyTokens.arbiter));

    await expect(tab.phase).toHaveText('done', { timeout: 180_000 });
    // The party worker started its nested Paillier workers (the built chunk loaded) and trained on them.
    await expect(tab.paillierWorkers).toHaveText(/^[1-9]\d*$/);
    const done = await rest<Job>(coordinator.url, coordinator.token, `/api/vertical/jobs/${job.id}`);
    await expect.poll(async () => (await rest<Job>(coordinator.url, coordinator.token, `/api/vertical/jobs/${job.id}`)).state).toBe('done');
    await expect(tab.intersection).toHaveText(String(done.intersection));
    await expect(tab.epochs).toHaveCount(1);
    await expect(tab.epochs.first()).toContainText(done.epochs[0]!.accuracy!.toFixed(3));
    expect(done.baselines).toBeNull();
  });

  test('the guest tab trains a split NN in its worker, with a progress bar, and shows the accuracy REST reports', async ({ page, coordinator }) => {
    const job = await createVerticalJob<Job>(coordinator.url, coordinator.token, { algorithm: 'split-nn', epochs: 1, batchSize: 32, learningRate: 0.01, simulation: { rows: 300, overlap: 0.9, seed: 3, testRows: 100 } });

    const tab = new VerticalPartyPage(page, coordinator.url);
    await tab.open();
    await tab.join(job.id, 'guest', job.partyTokens.guest);
    await expect(tab.phase).toHaveText('waiting');
    for (const role of ['host', 'arbiter'] as const) parties.push(startVerticalParty(coordinator.url, job.id, role, job.partyTokens[role]));

    await expect(tab.phase).toHaveText('done', { timeout: 60_000 });
    // The page's progress bar followed the worker's steps to the last one.
    const steps = await tab.progress.getAttribute('max');
    expect(Number(steps)).toBeGreaterThan(1);
    await expect(tab.progress).toHaveJSProperty('value', Number(steps));
    await expect(tab.backend).toHaveText(/^(wasm|cpu)$/);
    await expect.poll(async () => (await rest<Job>(coordinator.url, coordinator.token, `/api/vertical/jobs/${job.id}`)).state).toBe('done');
    const done = await rest<Job>(coordinator.url, coordinator.token, `/api/vertical/jobs/${job.id}`);
    await expect(tab.intersection).toHaveText(String(done.intersection));
    await expect(tab.epochs).toHaveCount(1);
    const { loss, accuracy } = done.epochs[0]!;
    await expect(tab.epochs.first()).toContainText(accuracy!.toFixed(3));
    await expect(tab.epochs.first()).toContainText(loss!.toFixed(4));
    // Ten digits: well above the 0.1 of chance even after one epoch on a few hundred rows.
    expect(accuracy!).toBeGreaterThan(0.3);
  });
});
