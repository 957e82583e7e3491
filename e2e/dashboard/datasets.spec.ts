// The datasets panel against a real coordinator: an operator uploads a CSV and sees its schema,
// examples and clients; a ragged file is refused with its coded error; a task created on the
// dataset (natural partition) keeps it from being deleted.

import { isolatedTest as test, expect, OPERATOR_TOKEN } from './fixtures.ts';

function clinicsCsv(rows: number, clients: number): string {
  const lines = ['x1,x2,colour,hospital,y'];
  for (let i = 0; i < rows; i++) {
    const x1 = ((i * 37) % 101) / 25 - 2;
    const x2 = ((i * 53) % 97) / 24 - 2;
    lines.push(`${x1.toFixed(2)},${x2.toFixed(2)},${['red', 'green', 'blue'][i % 3]},h${i % clients},${x1 + x2 > 0 ? 'sick' : 'well'}`);
  }
  return `${lines.join('\n')}\n`;
}

test('an operator registers a CSV, sees what it holds, and cannot delete it while a task uses it', async ({ dashboard }) => {
  await dashboard.open(OPERATOR_TOKEN);
  await dashboard.expectLive();
  const panel = dashboard.id('dashboard.datasets');
  await expect(panel.getByTestId('dashboard.datasets.row')).toHaveCount(2);

  await dashboard.id('dashboard.datasets.format').selectOption('csv');
  await dashboard.id('dashboard.datasets.uploadName').fill('clinics');
  await dashboard.id('dashboard.datasets.file.table').setInputFiles({ name: 'clinics.csv', mimeType: 'text/csv', buffer: Buffer.from(clinicsCsv(60, 3)) });
  await dashboard.id('dashboard.datasets.option.label').fill('y');
  await dashboard.id('dashboard.datasets.option.clientColumn').fill('hospital');
  await dashboard.id('dashboard.datasets.upload').click();
  await expect(dashboard.id('dashboard.datasets.message')).toHaveText(/^registered clinics \(ds-[0-9a-f]+\): 60 examples/);
  const row = panel.getByTestId('dashboard.datasets.row').filter({ hasText: 'clinics' });
  await expect(row.getByTestId('dashboard.datasets.count')).toHaveText('60');
  await expect(row.getByTestId('dashboard.datasets.clients')).toHaveText('3');
  await expect(row.getByTestId('dashboard.datasets.schema')).toHaveText('tabular 3 columns (5 inputs) → 2 classes');

  await dashboard.id('dashboard.datasets.file.table').setInputFiles({ name: 'ragged.csv', mimeType: 'text/csv', buffer: Buffer.from('a,b,y\n1,2,p\n3,q\n') });
  await dashboard.id('dashboard.datasets.option.label').fill('y');
  await dashboard.id('dashboard.datasets.upload').click();
  await expect(dashboard.id('dashboard.datasets.message')).toHaveText(/FLT_DATASET_INVALID: ragged\.csv, line 3.*\[DATA_CSV_RAGGED_ROW\]/);
  await expect(panel.getByTestId('dashboard.datasets.row')).toHaveCount(3);

  await dashboard.id('dashboard.create.dataset').selectOption({ label: 'clinics' });
  await expect(dashboard.id('dashboard.create.schema')).toHaveText(/tabular 3 columns .* 60 examples · 3 clients/);
  await dashboard.id('dashboard.create.partition').selectOption('natural');
  await dashboard.id('dashboard.create.model').selectOption('schema:logreg');
  const taskId = await dashboard.createTask({ name: 'clinics natural', start: false, baseline: false });
  expect(taskId).toBeTruthy();

  await row.getByTestId('dashboard.datasets.delete').click();
  await expect(dashboard.id('dashboard.datasets.message')).toHaveText(/^FLT_DATASET_IN_USE: .*used by task/);
  await expect(panel.getByTestId('dashboard.datasets.row')).toHaveCount(3);
});
