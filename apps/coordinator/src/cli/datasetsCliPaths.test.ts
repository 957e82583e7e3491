// Where `npm run datasets` reads files from (red team, newcomer): npm runs it in the repository
// root, so a relative path typed in another directory used to be read from the root (or not
// found); a file that cannot be read ended in a stack trace. Now paths are resolved where the
// command was typed (npm's INIT_CWD) and a missing file is one line and exit code 2.

import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCoordinator, type TestCoordinator } from '../testing/harness.ts';
import { syntheticCsv } from '../testing/syntheticDatasets.ts';
import { runDatasetsCli } from './datasetsCli.ts';

describe('npm run datasets, files named relative to where it was typed', () => {
  let coordinator: TestCoordinator;
  const typedIn = mkdtempSync(path.join(os.tmpdir(), 'flotilla-cli-cwd-'));

  beforeAll(async () => {
    coordinator = await startTestCoordinator();
    writeFileSync(path.join(typedIn, 'sites.csv'), syntheticCsv({ rows: 24, clients: 2, seed: 4 }));
  });
  afterAll(() => coordinator.close());

  const run = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const env = { FLOTILLA_OPERATOR_TOKEN: coordinator.operatorToken, INIT_CWD: typedIn };
    const code = await runDatasetsCli([...argv, '--url', coordinator.url], env, (l) => out.push(l), (l) => err.push(l));
    return { code, out, err };
  };

  it('reads a relative file from the directory the command was typed in', async () => {
    const added = await run('add', '--format', 'csv', '--label', 'y', 'sites.csv');

    expect(added.err).toEqual([]);
    expect(added.code).toBe(0);
    expect(added.out[1]).toMatch(/^registered ds-[0-9a-f]{24} {2}"sites\.csv" {2}24 examples/);
  });

  it('names a file it cannot read and exits 2, with no stack trace', async () => {
    const missing = await run('add', '--format', 'csv', '--label', 'y', 'nowhere.csv');
    const schema = await run('add', '--format', 'csv', '--schema', '@nowhere.json', 'sites.csv');

    expect(missing.code).toBe(2);
    expect(missing.err).toEqual([`cannot read the table file ${path.join(typedIn, 'nowhere.csv')}: ENOENT`]);
    expect(schema.code).toBe(2);
    expect(schema.err).toEqual([`cannot read the --schema file ${path.join(typedIn, 'nowhere.json')}: ENOENT`]);
  });
});
