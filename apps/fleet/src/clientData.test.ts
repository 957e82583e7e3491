// Tests for `--data DIR`: which entries become clients, how each reads its files with the task's schema, and refusals.

import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ImageSchema, TabularSchema, TextSchema } from '@flotilla/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { solidGrayPng } from './testing/grayPng.ts';
import { listClientData, loadClientData, loadClientDataDir, type LoadedClientData } from './clientData.ts';

const TABLE: TabularSchema = {
  kind: 'tabular', label: 'sick',
  features: [{ name: 'age', kind: 'numeric', mean: 50, std: 10 }, { name: 'sex', kind: 'categorical', categories: ['f', 'm'] }],
  target: { type: 'classification', classes: ['no', 'yes'] },
};
const IMAGES: ImageSchema = { kind: 'image', height: 2, width: 2, channels: 1, classes: ['cat', 'dog'] };

const png = (gray: number, size = 4): Buffer => solidGrayPng(size, gray);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'flotilla-client-data-'));
  writeFileSync(path.join(dir, 'site-a.csv'), 'age,sex,sick\n60,m,yes\n40,f,no\n50,f,no\n');
  writeFileSync(path.join(dir, 'site-b.csv'), 'sex,age,sick,notes\nm,70,yes,ignored\n');
  writeFileSync(path.join(dir, 'site-c.csv'), 'age,sex,sick\n60,m,yes\nabc,f,no\n');
  mkdirSync(path.join(dir, 'phone', 'cat'), { recursive: true });
  mkdirSync(path.join(dir, 'phone', 'dog'));
  writeFileSync(path.join(dir, 'phone', 'cat', '1.png'), png(255));
  writeFileSync(path.join(dir, 'phone', 'cat', '2.png'), png(0));
  writeFileSync(path.join(dir, 'phone', 'dog', '1.png'), png(51, 2));
  writeFileSync(path.join(dir, 'phone', 'cat', '.DS_Store'), 'junk');
  writeFileSync(path.join(dir, 'notes.md'), '# my clinics');
  writeFileSync(path.join(dir, '.hidden.csv'), 'x');
  symlinkSync(path.join(dir, 'site-a.csv'), path.join(dir, 'link.csv'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const byName = (loaded: LoadedClientData[], name: string) => loaded.find((l) => l.entry.name === name)!;

describe('--data DIR', () => {
  it('makes one client of each CSV file, text file and folder, sorted; ignores the rest with a reason', async () => {
    const { entries, ignored } = await listClientData(dir);
    expect(entries.map((e) => [e.name, e.file, e.kind])).toEqual([
      ['phone', 'phone', 'images'], ['site-a', 'site-a.csv', 'csv'], ['site-b', 'site-b.csv', 'csv'], ['site-c', 'site-c.csv', 'csv'],
    ]);
    expect(ignored).toEqual([
      { path: 'link.csv', reason: 'a symbolic link (not followed)' }, { path: 'notes.md', reason: 'not a .csv file, a .txt file or a folder' },
    ]);
  });

  it('reads each CSV with the task\'s schema (columns by name, z-scored, one-hot) and prints what it read', async () => {
    const lines: string[] = [];
    const loaded = await loadClientDataDir(dir, TABLE, (line) => lines.push(line));
    const a = byName(loaded, 'site-a');
    expect(a.ok).toBe(true);
    if (!a.ok) return;
    expect(a.examples.count).toBe(3);
    expect([...a.examples.features.subarray(0, 6)]).toEqual([1, 0, 1, -1, 1, 0]);
    expect([...a.examples.labels]).toEqual([1, 0, 0]);
    const b = byName(loaded, 'site-b');
    expect(b.ok && [...b.examples.features]).toEqual([2, 0, 1]);
    expect(lines).toContain('client site-a: site-a.csv, 3 rows: no 2, yes 1');
    expect(lines).toContain('client site-b: site-b.csv, 1 row: yes 1');
    expect(lines.some((l) => l.startsWith('client phone: not joining — DATA_SCHEMA_MISMATCH'))).toBe(true);
    expect(lines).toContain('ignoring notes.md: not a .csv file, a .txt file or a folder');
  });

  it('refuses a CSV with a bad cell with the coded error naming file, row and column: that client does not join', async () => {
    const loaded = await loadClientDataDir(dir, TABLE, () => {});
    const c = byName(loaded, 'site-c');
    expect(c.ok).toBe(false);
    if (c.ok) return;
    expect(c.error.code).toBe('DATA_CSV_BAD_CELL');
    expect(c.error.location).toEqual({ file: 'site-c.csv', line: 3, column: 1, columnName: 'age' });
    expect(c.line).toBe('client site-c: not joining — DATA_CSV_BAD_CELL: site-c.csv, line 3, column 1 ("age"): "abc" is not a number within float32 range');
  });

  it('reads a folder of class folders as images resized to the schema, skipping what is not an image', async () => {
    const lines: string[] = [];
    const loaded = await loadClientDataDir(dir, IMAGES, (line) => lines.push(line));
    const phone = byName(loaded, 'phone');
    expect(phone.ok).toBe(true);
    if (!phone.ok) return;
    expect(phone.examples.count).toBe(3);
    expect([...phone.examples.labels]).toEqual([0, 0, 1]);
    expect([...phone.examples.features.subarray(0, 4)]).toEqual([1, 1, 1, 1]);
    expect(phone.examples.features[8]).toBeCloseTo(0.2, 6);
    expect(lines).toContain('client phone: phone/, 3 images: cat 2, dog 1; skipped 1 (phone/cat/.DS_Store: hidden file)');
    expect(byName(loaded, 'site-a').ok).toBe(false);
  });

  it('names the image that does not fit a strict folder layout, with the client\'s folder in its path', async () => {
    const other = mkdtempSync(path.join(os.tmpdir(), 'flotilla-client-data-'));
    try {
      mkdirSync(path.join(other, 'tab', 'horse'), { recursive: true });
      writeFileSync(path.join(other, 'tab', 'horse', '1.png'), png(0));
      const [entry] = (await listClientData(other)).entries;
      const loaded = await loadClientData(entry!, IMAGES);
      expect(!loaded.ok && [loaded.error.code, loaded.error.location.file]).toEqual(['DATA_IMAGE_UNKNOWN_CLASS', 'tab/horse/1.png']);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('reads a text file as next-symbol windows', async () => {
    const other = mkdtempSync(path.join(os.tmpdir(), 'flotilla-client-data-'));
    try {
      writeFileSync(path.join(other, 'romeo.txt'), 'abab');
      const schema: TextSchema = { kind: 'text', level: 'char', vocabulary: ['<unk>', 'a', 'b'], unknown: 0, sequenceLength: 2 };
      const [loaded] = await loadClientDataDir(other, schema, () => {});
      expect(loaded!.ok && [loaded!.examples.count, [...loaded!.examples.labels], loaded!.line]).toEqual([2, [1, 2], 'client romeo: romeo.txt, 2 windows']);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
