import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';
import { syntheticCsv } from '../testing/syntheticDatasets.ts';
import { runDatasetsCli } from './datasetsCli.ts';

describe('npm run datasets', () => {
  let coordinator: TestCoordinator;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flotilla-cli-'));

  beforeAll(async () => {
    coordinator = await startTestCoordinator();
  });
  afterAll(() => coordinator.close());

  const run = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runDatasetsCli([...argv, '--url', coordinator.url], { FLOTILLA_OPERATOR_TOKEN: coordinator.operatorToken }, (l) => out.push(l), (l) => err.push(l));
    return { code, out, err };
  };

  it('adds a CSV with its label and client column, lists it, and removes it', async () => {
    const file = path.join(dir, 'clinics.csv');
    writeFileSync(file, syntheticCsv({ rows: 30, clients: 3 }));

    const added = await run('add', '--format', 'csv', '--label', 'y', '--client-column', 'hospital', '--name', 'clinics', file);
    expect(added.code).toBe(0);
    expect(added.out[0]).toMatch(/^uploading .* to http/);
    expect(added.out[1]).toMatch(/^registered ds-[0-9a-f]{24} {2}"clinics" {2}30 examples, 3 clients {2}tabular 3 columns \(5 inputs\) → 2 classes/);
    const id = added.out[1]!.split(' ')[1]!;
    expect((await run('add', '--format', 'csv', '--label', 'y', '--client-column', 'hospital', file)).out[1]).toMatch(/^already registered/);

    const list = await run('list');
    expect(list.out.map((l) => l.split(' ')[0])).toEqual(['mnist', 'mnist-test', id]);
    expect((await run('rm', id)).out).toEqual([`deleted ${id}`]);
  });

  it('prints the coded error, with the file, line and column, and exits non-zero', async () => {
    const file = path.join(dir, 'ragged.csv');
    writeFileSync(file, 'a,b,y\n1,2,p\n3,q\n');
    const refused = await run('add', '--format', 'csv', '--label', 'y', file);

    expect(refused.code).toBe(1);
    expect(refused.err[0]).toMatch(/^HTTP 400 FLT_DATASET_INVALID: ragged\.csv, line 3, column 3: .*"code":"DATA_CSV_RAGGED_ROW"/);
    expect((await run('add', '--format', 'idx', file)).code).toBe(2);
  });
});
