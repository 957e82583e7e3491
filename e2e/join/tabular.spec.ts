// A tabular task on the join page: the welcome brings the task's schema, the page offers a CSV
// input, reads a CSV generated here from disk with that schema (z-scored numbers, one-hot
// colour, label column), holds out its evaluation share, and trains a round against a real
// coordinator; a CSV with a bad cell gets the coded error naming file, line and column.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WASM, eventually, expect, test } from './fixtures.ts';

const SCHEMA = {
  kind: 'tabular',
  features: [
    { name: 'x1', kind: 'numeric', mean: 0, std: 1 },
    { name: 'x2', kind: 'numeric', mean: 0, std: 1 },
    { name: 'colour', kind: 'categorical', categories: ['red', 'blue'] },
  ],
  label: 'y',
  target: { type: 'classification', classes: ['no', 'yes'] },
};

const TASK = {
  name: 'e2e: a table of your own',
  model: { kind: 'schema', architecture: 'mlp', options: { hiddenUnits: [8] } },
  data: { schema: SCHEMA, partition: { kind: 'iid', numClients: 1, seed: 5 }, simulation: false, clientTestFraction: 0.2 },
  evaluation: { federated: { enabled: true, everyRounds: 1, fractionClients: 1, minClients: 1, deadlineMs: 30_000 } },
  fit: { fractionFit: 1, minFitClients: 1, minAvailableClients: 1, epochs: 2, batchSize: 10, learningRate: 0.1 },
  stop: { maxRounds: 1, roundDeadlineMs: 60_000, minReports: 1 },
  baseline: { enabled: false },
};

// 50 rows, deterministic: y is "yes" where x1 + x2 > 0; an extra id column the schema ignores.
function tableCsv(rows: number): string {
  let s = 7;
  const rand = () => ((s = (s * 16807) % 2147483647) / 2147483647) * 4 - 2;
  const lines = ['id,x1,x2,colour,y'];
  for (let r = 0; r < rows; r++) {
    const x1 = rand();
    const x2 = rand();
    lines.push(`${r},${x1.toFixed(3)},${x2.toFixed(3)},${r % 3 === 0 ? 'blue' : 'red'},${x1 + x2 > 0 ? 'yes' : 'no'}`);
  }
  return `${lines.join('\n')}\n`;
}

test('a Chromium tab reads a CSV with the task\'s schema and trains a round of a tabular task; only counts and metrics leave it', async ({ coordinator, tabs }) => {
  test.setTimeout(150_000);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flotilla-table-'));
  const file = path.join(dir, 'clinic.csv');
  writeFileSync(file, tableCsv(50));
  try {
    const taskId = (await coordinator.api.request<{ id: string }>('/api/tasks', { method: 'POST', body: TASK })).id;
    const join = await tabs.openOwn({ task: taskId, ...WASM });
    const sent: { text: string[]; binary: number } = { text: [], binary: 0 };
    join.page.on('websocket', (ws) => ws.on('framesent', (f) => (typeof f.payload === 'string' ? sent.text.push(f.payload) : (sent.binary += 1))));

    // The welcome names a table: the page offers CSV files and no drawing pad.
    await expect(join.schema).toHaveAttribute('data-kind', 'tabular', { timeout: 60_000 });
    await expect(join.schema).toContainText('columns x1, x2, colour and the label column "y"');
    await expect(join.drawCanvas).toHaveCount(0);

    await join.csvInput.setInputFiles(file);
    await expect(join.filesCount).toHaveAttribute('data-count', '50');
    const yes = tableCsv(50).split('\n').filter((l) => l.endsWith(',yes')).length;
    await expect(join.labelCounts).toHaveText(`Per class: no: ${50 - yes} · yes: ${yes}`);
    await expect(join.preview).toContainText('id,x1,x2,colour,y');
    // 10 of the 50 rows are held out for federated evaluation: the hello announces the 40 it trains on.
    await expect(join.data).toContainText('40 to train on, 10 held out');
    await eventually(async () => {
      const hellos = sent.text.map((t) => JSON.parse(t) as { type: string; numExamples?: number }).filter((m) => m.type === 'hello');
      return hellos.at(-1)?.numExamples === 40 && (await join.snapshot()).connection === 'idle' ? true : undefined;
    }, 30_000, 'a welcomed hello announcing the 40 training rows');

    await coordinator.api.request(`/api/tasks/${taskId}/start`, { method: 'POST' });
    const round = await eventually(async () => (await coordinator.api.rounds(taskId)).find((r) => r.round === 1), 90_000, 'round 1 to end');
    expect(round.outcome).toBe('committed');
    const detail = await coordinator.api.round(taskId, 1);
    expect(detail.clients.map((c) => c.numExamples)).toEqual([40]);
    await expect(join.page.getByTestId('join.history.row').first()).toHaveAttribute('data-outcome', 'committed');
    // Federated evaluation: the page evaluated a global model on its 10 held-out rows.
    await expect(join.evaluations.first()).toHaveAttribute('data-outcome', 'reported', { timeout: 60_000 });
    await expect(join.evaluations.first()).toContainText('on 10 examples');

    // What left the page: JSON control messages and metrics, and one binary update; never a row.
    const types = new Set(sent.text.map((t) => (JSON.parse(t) as { type: string }).type));
    for (const type of types) expect(['hello', 'heartbeat', 'progress', 'evaluation']).toContain(type);
    expect(sent.binary).toBe(1);
    expect(sent.text.some((t) => t.includes('blue') || t.includes('clinic.csv'))).toBe(false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a CSV that does not fit the task\'s schema gets the coded error naming file, line and column, and loads nothing', async ({ coordinator, tabs }) => {
  test.setTimeout(90_000);
  const taskId = (await coordinator.api.request<{ id: string }>('/api/tasks', { method: 'POST', body: TASK })).id;
  const join = await tabs.openOwn({ task: taskId, ...WASM });
  await expect(join.schema).toHaveAttribute('data-kind', 'tabular', { timeout: 60_000 });

  const badCell = 'x1,x2,colour,y\n0.5,1,red,yes\n0.1,two,blue,no\n';
  await join.csvInput.setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(badCell) });
  await expect(join.dataError).toContainText('DATA_CSV_BAD_CELL: bad.csv, line 3, column 2 ("x2"): "two" is not a number');

  const unknown = 'x1,x2,colour,y\n0.5,1,green,yes\n';
  await join.csvInput.setInputFiles({ name: 'colours.csv', mimeType: 'text/csv', buffer: Buffer.from(unknown) });
  await expect(join.dataError).toContainText('DATA_CSV_UNKNOWN_CATEGORY: colours.csv, line 2, column 3 ("colour")');

  const noLabel = 'x1,x2,colour\n0.5,1,red\n';
  await join.csvInput.setInputFiles({ name: 'nolabel.csv', mimeType: 'text/csv', buffer: Buffer.from(noLabel) });
  await expect(join.dataError).toContainText('DATA_CSV_MISSING_COLUMN: nolabel.csv, line 1, column "y"');

  expect((await join.snapshot()).examples).toBe(0);
  await expect(join.filesCount).toHaveAttribute('data-count', '0');
});
