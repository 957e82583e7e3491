// A person's own data on the join page: a CSV and an image folder picked with the file inputs,
// digits drawn on the canvas with the mouse, both kept in IndexedDB across a reload, a round of a
// non-simulation task trained on them, and only a count ever sent. Bad files get coded errors.

import { rmSync } from 'node:fs';
import path from 'node:path';
import { WASM, eventually, expect, test } from './fixtures.ts';
import { digitCsv, grayPng, mnistExamples, writeTree } from './support/digitFiles.ts';

const TASK = {
  name: 'e2e: own data',
  model: { kind: 'mnist-2nn' },
  data: { partition: { kind: 'iid', numClients: 1, seed: 5 }, testLimit: 1000, simulation: false },
  fit: { fractionFit: 1, minFitClients: 1, minAvailableClients: 1, epochs: 1, batchSize: 10, learningRate: 0.05 },
  stop: { maxRounds: 1, roundDeadlineMs: 60_000, minReports: 1 },
  baseline: { enabled: false },
};

// A "1" (one stroke down) and a "7" (a bar, then a slant), as fractions of the canvas.
const ONE: [number, number][][] = [[[0.5, 0.15], [0.5, 0.85]]];
const SEVEN: [number, number][][] = [[[0.25, 0.2], [0.75, 0.2], [0.4, 0.85]]];

test('files picked and digits drawn train a round of a non-simulation task; only their count leaves the page', async ({ coordinator, tabs }) => {
  test.setTimeout(120_000);
  const taskId = (await coordinator.api.request<{ id: string }>('/api/tasks', { method: 'POST', body: TASK })).id;
  const csvExamples = await mnistExamples(0, 30);
  const folderExamples = await mnistExamples(100, 10);
  const folder = writeTree(Object.fromEntries(folderExamples.pixels.map((px, i) => [
    // Half of them dark ink on light paper: the page inverts those to MNIST's light-on-dark.
    `digits/${folderExamples.labels[i]}/${i}.png`, grayPng(px, i % 2 === 1),
  ])));
  try {
    const join = await tabs.openOwn({ task: taskId, ...WASM });
    const sent: { text: string[]; binary: number } = { text: [], binary: 0 };
    const nonGet: string[] = [];
    join.page.on('request', (r) => { if (r.method() !== 'GET') nonGet.push(`${r.method()} ${r.url()}`); });
    join.page.on('websocket', (ws) => ws.on('framesent', (f) => (typeof f.payload === 'string' ? sent.text.push(f.payload) : (sent.binary += 1))));

    // Drawn digits survive a reload (IndexedDB).
    await expect(join.drawCanvas).toBeVisible({ timeout: 60_000 });
    await join.drawDigit(1, ONE);
    await expect(join.drawCount).toHaveAttribute('data-count', '1');
    await join.drawDigit(7, SEVEN);
    await expect(join.drawCount).toHaveAttribute('data-count', '2');
    await join.page.reload();
    await expect(join.drawCount).toHaveAttribute('data-count', '2', { timeout: 60_000 });

    await join.csvInput.setInputFiles({ name: 'mine.csv', mimeType: 'text/csv', buffer: Buffer.from(digitCsv(csvExamples)) });
    await expect(join.filesCount).toHaveAttribute('data-count', '30');
    await join.folderInput.setInputFiles(path.join(folder, 'digits'));
    await expect(join.filesCount).toHaveAttribute('data-count', '40');
    await expect(join.data).toHaveAttribute('data-examples', '42');
    const snap = await join.snapshot();
    expect(snap.sources).toEqual({ simulation: 0, files: 40, drawn: 2 });
    expect(snap.dataMode).toBe('own');

    // Each change of the examples is announced by a fresh hello: wait for the last one's welcome.
    await eventually(async () => {
      const hellos = sent.text.map((t) => JSON.parse(t) as { type: string; numExamples?: number }).filter((m) => m.type === 'hello');
      return hellos.at(-1)?.numExamples === 42 && (await join.snapshot()).connection === 'idle' ? true : undefined;
    }, 30_000, 'a welcomed hello announcing 42 examples');
    await coordinator.api.request(`/api/tasks/${taskId}/start`, { method: 'POST' });

    const round = await eventually(async () => (await coordinator.api.rounds(taskId)).find((r) => r.round === 1), 90_000, 'round 1 to end');
    expect(round.outcome).toBe('committed');
    expect(round.reported).toBe(1);
    const detail = await coordinator.api.round(taskId, 1);
    expect(detail.clients.map((c) => c.numExamples)).toEqual([42]);
    await expect(join.page.getByTestId('join.history.row').first()).toHaveAttribute('data-outcome', 'committed');

    // What left the page: GETs only, JSON control messages of known types, one binary update.
    expect(nonGet).toEqual([]);
    const types = new Set(sent.text.map((t) => (JSON.parse(t) as { type: string }).type));
    for (const type of types) expect(['hello', 'heartbeat', 'progress']).toContain(type);
    expect(sent.binary).toBe(1);

    // The picked examples come back after a reload, as the drawings do (IndexedDB).
    await join.page.reload();
    await expect(join.filesCount).toHaveAttribute('data-count', '40', { timeout: 60_000 });
    await expect(join.drawCount).toHaveAttribute('data-count', '2');

    // Forgotten picks and cleared drawings are deleted for good: gone after a reload too.
    await join.page.getByTestId('join.files.clear').click();
    await join.drawClear.click();
    await expect(join.drawCount).toHaveAttribute('data-count', '0');
    await expect(join.filesCount).toHaveAttribute('data-count', '0');
    await join.page.reload();
    await expect(join.data).toHaveAttribute('data-examples', '0', { timeout: 60_000 });
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('bad files get a clear coded error on the page and change nothing', async ({ tabs }) => {
  test.setTimeout(90_000);
  const [good] = (await mnistExamples(0, 1)).pixels;
  const trees = {
    notImage: writeTree({ 'digits/3/scan.png': 'these are not image bytes', 'digits/3/ok.png': grayPng(good!) }),
    noLabels: writeTree({ 'photos/a.png': grayPng(good!) }),
  };
  try {
    const join = await tabs.openOwn(WASM);
    await expect(join.csvInput).toBeVisible({ timeout: 60_000 });

    const short = `5,${Array.from({ length: 700 }, () => 0).join(',')}\n`;
    await join.csvInput.setInputFiles({ name: 'short.csv', mimeType: 'text/csv', buffer: Buffer.from(short) });
    await expect(join.dataError).toContainText('FLT_CSV_WIDTH: short.csv, line 1: 701 columns, expected 785');

    const badLabel = `label,${Array.from({ length: 784 }, (_, i) => `p${i}`).join(',')}\nseven,${Array.from({ length: 784 }, () => 0).join(',')}\n`;
    await join.csvInput.setInputFiles({ name: 'labels.csv', mimeType: 'text/csv', buffer: Buffer.from(badLabel) });
    await expect(join.dataError).toContainText('FLT_CSV_VALUE: labels.csv, line 2: label "seven" is not a digit');

    await join.folderInput.setInputFiles(path.join(trees.notImage, 'digits'));
    await expect(join.dataError).toContainText('FLT_NOT_AN_IMAGE: digits/3/scan.png is not an image');

    await join.folderInput.setInputFiles(path.join(trees.noLabels, 'photos'));
    await expect(join.dataError).toContainText('FLT_NO_LABELS: photos/a.png: folder "photos" is not a label');

    // A rejected pick loads nothing; the page holds no examples: connected (to learn the task) but never selected.
    const snap = await join.snapshot();
    expect(snap.examples).toBe(0);
    await expect(join.connection).toHaveAttribute('data-status', 'idle');

    // A good pick clears the error; "Forget them" drops the picked examples again.
    await join.csvInput.setInputFiles({ name: 'one.csv', mimeType: 'text/csv', buffer: Buffer.from(`5,${Array.from({ length: 784 }, () => 0).join(',')}\n`) });
    await expect(join.filesCount).toHaveAttribute('data-count', '1');
    await expect(join.dataError).toHaveCount(0);
    await join.page.getByTestId('join.files.clear').click();
    await expect(join.data).toHaveAttribute('data-examples', '0');
  } finally {
    for (const dir of Object.values(trees)) rmSync(dir, { recursive: true, force: true });
  }
});
