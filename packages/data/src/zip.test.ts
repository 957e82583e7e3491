// Tests for the bounded zip reader: unsafe paths, zip bombs declared small or large, damage, skipped entries.

import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { DatasetImportError } from './errors.ts';
import { crc32, listZipEntries, unzipSafely, type UnzipOptions } from './zip.ts';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (e) {
    if (e instanceof DatasetImportError) return e.code;
    throw e;
  }
  return undefined;
}

/** Rewrites the uncompressed size every header (local and central) declares for the archive's only entry. */
function declareSize(zip: Uint8Array, size: number): Uint8Array {
  const out = zip.slice();
  const view = new DataView(out.buffer);
  for (let at = 0; at + 4 <= out.length; at++) {
    const signature = view.getUint32(at, true);
    if (signature === 0x04034b50) view.setUint32(at + 22, size, true);
    if (signature === 0x02014b50) view.setUint32(at + 24, size, true);
  }
  return out;
}

const read = (zip: Uint8Array, options: UnzipOptions = {}) => unzipSafely(zip, { file: 'in.zip', ...options });

describe('unzipSafely', () => {
  it('reads stored and deflated entries with their paths, leaving out directories', () => {
    const zip = zipSync({ 'cat/': new Uint8Array(0), 'cat/a.txt': strToU8('meow'), 'dog/b.txt': [strToU8('woof '.repeat(100)), { level: 9 }] }, { level: 0 });
    const { files, skipped } = read(zip);
    expect(files.map((f) => [f.path, new TextDecoder().decode(f.bytes).slice(0, 9)])).toEqual([['cat/a.txt', 'meow'], ['dog/b.txt', 'woof woof']]);
    expect(files[1]!.bytes.length).toBe(500);
    expect(skipped).toEqual([]);
  });

  it('reports the entries its caller skips, and never inflates them', () => {
    // The skipped entry is a bomb that lies about its size: reading it would fail.
    const bomb = declareSize(zipSync({ '.DS_Store': new Uint8Array(4 << 20) }), 10);
    const zip = zipSync({ 'a.png': strToU8('x') });
    expect(codeOf(() => read(bomb))).toBe('DATA_ARCHIVE_TOO_LARGE');
    const { files, skipped } = read(bomb, { skip: (p) => (p.endsWith('.DS_Store') ? 'hidden file' : null) });
    expect(files).toEqual([]);
    expect(skipped).toEqual([{ path: '.DS_Store', reason: 'hidden file' }]);
    expect(read(zip).files.map((f) => f.path)).toEqual(['a.png']);
  });

  it.each(['../evil.png', 'cat/../../evil.png', '/etc/passwd', 'cat\\..\\evil.png', 'C:/Windows/evil.png'])('refuses the entry path %s and extracts nothing', (path) => {
    const zip = zipSync({ 'cat/ok.png': strToU8('fine'), [path]: strToU8('bad') });
    let error: unknown;
    try {
      read(zip);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DatasetImportError);
    expect((error as DatasetImportError).code).toBe('DATA_ARCHIVE_UNSAFE_PATH');
    expect((error as DatasetImportError).message).toContain(path);
    expect(codeOf(() => listZipEntries(zip))).toBe('DATA_ARCHIVE_UNSAFE_PATH');
  });

  it('refuses a bomb that declares its true size past the limit before inflating it', () => {
    const zip = zipSync({ 'zeros.png': new Uint8Array(8 << 20) }, { level: 9 });
    expect(zip.length).toBeLessThan(64 * 1024);
    expect(codeOf(() => read(zip, { limits: { maxTotalBytes: 1 << 20 } }))).toBe('DATA_ARCHIVE_TOO_LARGE');
    expect(read(zip, { limits: { maxTotalBytes: 8 << 20 } }).files[0]!.bytes.length).toBe(8 << 20);
  });

  it('stops inflating a bomb that declares itself small as soon as it grows past the declared size', () => {
    const zip = declareSize(zipSync({ 'zeros.png': new Uint8Array(16 << 20) }, { level: 9 }), 100);
    let error: unknown;
    try {
      read(zip, { limits: { maxTotalBytes: 1 << 20 } });
    } catch (e) {
      error = e;
    }
    expect((error as DatasetImportError).code).toBe('DATA_ARCHIVE_TOO_LARGE');
    expect((error as DatasetImportError).message).toContain('inflates past its declared 100 bytes');
  });

  it('bounds the number of entries', () => {
    const zip = zipSync(Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`c/${i}.png`, strToU8('x')])));
    expect(codeOf(() => read(zip, { limits: { maxEntries: 10 } }))).toBe('DATA_ARCHIVE_TOO_LARGE');
    expect(read(zip, { limits: { maxEntries: 11 } }).files).toHaveLength(11);
  });

  it('refuses bytes that are not a zip, a damaged entry and a wrong checksum', () => {
    expect(codeOf(() => read(strToU8('just some text, not an archive')))).toBe('DATA_ARCHIVE_MALFORMED');
    const stored = zipSync({ 'a.txt': strToU8('hello world') }, { level: 0 });
    const flipped = stored.slice();
    flipped[flipped.indexOf(0x68)] = 0x48; // 'h' → 'H' in the stored data: the CRC-32 no longer matches
    expect(codeOf(() => read(flipped))).toBe('DATA_ARCHIVE_MALFORMED');
    const deflated = zipSync({ 'a.txt': strToU8('hello hello hello hello') }, { level: 9 });
    const cut = deflated.slice();
    cut.fill(0xff, 30 + 'a.txt'.length, 30 + 'a.txt'.length + 4); // the deflate stream's first bytes
    expect(codeOf(() => read(cut))).toBe('DATA_ARCHIVE_MALFORMED');
  });

  it('refuses two entries for one path, which would count one file twice', () => {
    expect(codeOf(() => read(zipSync({ 'cat/1.png': strToU8('a'), 'cat//1.png': strToU8('b') })))).toBe('DATA_ARCHIVE_MALFORMED');
  });

  it('computes the standard CRC-32', () => {
    expect(crc32(strToU8('123456789'))).toBe(0xcbf43926);
  });
});
