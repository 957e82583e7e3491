// A bounded, path-safe zip reader: the central directory is checked in full before any entry is inflated.

import { Inflate } from 'fflate';
import { DatasetImportError } from './errors.ts';

/** Bounds on what an archive (or a list of files) may expand to. */
export interface ArchiveLimits {
  /** Entries in the archive, directories and skipped files included; default 100,000. */
  readonly maxEntries: number;
  /** Uncompressed bytes of the entries that are read; default 512 MiB. */
  readonly maxTotalBytes: number;
}

/** Defaults of {@link ArchiveLimits}: a folder of photos fits, a zip bomb does not. */
export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = Object.freeze({ maxEntries: 100_000, maxTotalBytes: 512 * 1024 * 1024 });

/** A file with its path relative to the archive's (or the picked folder's) root, '/'-separated. */
export interface ArchiveFile {
  readonly path: string;
  readonly bytes: Uint8Array;
}

/** A file an importer left out on purpose (a .DS_Store, a __MACOSX/ fork, a README), and why. */
export interface SkippedFile {
  readonly path: string;
  readonly reason: string;
}

/** Options of {@link unzipSafely} and {@link listZipEntries}. */
export interface UnzipOptions {
  /** The archive's name, for error messages. */
  readonly file?: string;
  readonly limits?: Partial<ArchiveLimits>;
  /** A reason to leave a file out (it is then never inflated), or null to read it. */
  readonly skip?: (path: string) => string | null;
}

interface CentralEntry {
  readonly path: string;
  readonly method: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localOffset: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
// Compressed bytes per inflate step: deflate expands at most ~1032×, so one step overshoots a limit by ≈1 MiB at most.
const INFLATE_STEP = 1024;

/**
 * Checks a relative path from an archive or a folder pick and returns its segments: refuses
 * `..`, absolute paths, backslashes, drive letters and NUL ('DATA_ARCHIVE_UNSAFE_PATH'), so no
 * entry can name a place outside its folder; '.' and empty segments are dropped.
 * @example safePathSegments('cat/001.png') // ['cat', '001.png']
 */
export function safePathSegments(path: string, file?: string): string[] {
  const unsafe = path.startsWith('/') || path.includes('\\') || /^[a-zA-Z]:/.test(path) || path.includes('\0') || path.split('/').includes('..');
  if (unsafe) throw new DatasetImportError('DATA_ARCHIVE_UNSAFE_PATH', `entry "${path}" points outside the archive (absolute, '..', a backslash or a drive letter); nothing was extracted`, { file });
  return path.split('/').filter((s) => s !== '' && s !== '.');
}

/**
 * The file paths of a zip archive from its central directory, with no entry inflated: every
 * path checked by {@link safePathSegments}, the entry count bounded. Directories are left out.
 * @example listZipEntries(bytes, { file: 'pets.zip' }) // ['cat/001.png', 'dog/001.png']
 */
export function listZipEntries(bytes: Uint8Array, options: UnzipOptions = {}): string[] {
  return readCentralDirectory(bytes, options).map((e) => e.path);
}

/**
 * Reads a zip archive's files (stored or deflated). Before anything is inflated: every path is
 * checked, the entry count bounded and the declared sizes of the files to read summed against
 * `maxTotalBytes`; while inflating, an entry that grows past its declared size or the total
 * stops at once ('DATA_ARCHIVE_TOO_LARGE'), so a zip bomb that lies about its size allocates at
 * most one inflate step past the limit. Damaged or encrypted archives, ZIP64 and unknown methods
 * give 'DATA_ARCHIVE_MALFORMED'; CRC-32 is verified.
 * @example const { files, skipped } = unzipSafely(bytes, { file: 'pets.zip', skip: (p) => (p.endsWith('.png') ? null : 'not a PNG') });
 */
export function unzipSafely(bytes: Uint8Array, options: UnzipOptions = {}): { files: ArchiveFile[]; skipped: SkippedFile[] } {
  const { file } = options;
  const maxTotalBytes = options.limits?.maxTotalBytes ?? DEFAULT_ARCHIVE_LIMITS.maxTotalBytes;
  const entries = readCentralDirectory(bytes, options);
  const skipped: SkippedFile[] = [];
  const wanted: CentralEntry[] = [];
  for (const entry of entries) {
    const reason = options.skip?.(entry.path) ?? null;
    if (reason === null) wanted.push(entry);
    else skipped.push({ path: entry.path, reason });
  }
  const declared = wanted.reduce((n, e) => n + e.size, 0);
  if (declared > maxTotalBytes) throw tooLarge(`its files declare ${declared} bytes uncompressed, past the limit of ${maxTotalBytes}`, file);
  // Each entry is held to its declared size, so together they stay within the checked sum.
  const files = wanted.map((entry) => ({ path: entry.path, bytes: inflateEntry(bytes, entry, file) }));
  return { files, skipped };
}

function readCentralDirectory(bytes: Uint8Array, options: UnzipOptions): CentralEntry[] {
  const { file } = options;
  const maxEntries = options.limits?.maxEntries ?? DEFAULT_ARCHIVE_LIMITS.maxEntries;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = findEndOfCentralDirectory(view, file);
  if (view.getUint16(end + 4, true) !== 0 || view.getUint16(end + 6, true) !== 0) throw malformed('multi-part archives are not supported', file);
  const count = view.getUint16(end + 10, true);
  const directorySize = view.getUint32(end + 12, true);
  const directoryOffset = view.getUint32(end + 16, true);
  if (count === 0xffff || directoryOffset === 0xffffffff) throw malformed('ZIP64 archives are not supported', file);
  if (count > maxEntries) throw tooLarge(`${count} entries, past the limit of ${maxEntries}`, file);
  if (directoryOffset + directorySize > end) throw malformed('the central directory lies outside the archive', file);
  const names = new TextDecoder('utf-8');
  const entries: CentralEntry[] = [];
  const seen = new Set<string>();
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > end || view.getUint32(at, true) !== CENTRAL) throw malformed(`central directory entry ${i} is damaged`, file);
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const nameLength = view.getUint16(at + 28, true);
    const next = at + 46 + nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
    if (next > end) throw malformed(`central directory entry ${i} is damaged`, file);
    const path = names.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    const segments = safePathSegments(path, file);
    const entry = {
      path: segments.join('/'), method, crc: view.getUint32(at + 16, true), compressedSize: view.getUint32(at + 20, true),
      size: view.getUint32(at + 24, true), localOffset: view.getUint32(at + 42, true),
    };
    at = next;
    if (path.endsWith('/') || segments.length === 0) continue;
    if (flags & 1) throw malformed(`entry "${entry.path}" is encrypted`, file);
    if (method !== 0 && method !== 8) throw malformed(`entry "${entry.path}" uses compression method ${method}; only stored and deflate are supported`, file);
    if (entry.size === 0xffffffff || entry.compressedSize === 0xffffffff) throw malformed('ZIP64 archives are not supported', file);
    // Two entries for one path (cat/1.png and cat//1.png) would make one image count twice.
    if (seen.has(entry.path)) throw malformed(`entry "${entry.path}" appears twice`, file);
    seen.add(entry.path);
    entries.push(entry);
  }
  return entries;
}

function findEndOfCentralDirectory(view: DataView, file: string | undefined): number {
  // The record is 22 bytes plus a comment of up to 65,535 bytes, at the very end.
  for (let at = view.byteLength - 22; at >= Math.max(0, view.byteLength - 22 - 0xffff); at--) {
    if (view.getUint32(at, true) === EOCD && at + 22 + view.getUint16(at + 20, true) === view.byteLength) return at;
  }
  throw malformed('not a zip archive (no end of central directory record)', file);
}

function inflateEntry(bytes: Uint8Array, entry: CentralEntry, file: string | undefined): Uint8Array {
  const limit = entry.size;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const local = entry.localOffset;
  if (local + 30 > bytes.length || view.getUint32(local, true) !== LOCAL) throw malformed(`entry "${entry.path}" has no local header`, file);
  const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
  if (start + entry.compressedSize > bytes.length) throw malformed(`entry "${entry.path}" runs past the end of the archive`, file);
  const compressed = bytes.subarray(start, start + entry.compressedSize);
  const past = () => tooLarge(`entry "${entry.path}" inflates past its declared ${entry.size} bytes (a zip bomb?); nothing was read`, file);
  let data: Uint8Array;
  if (entry.method === 0) {
    if (entry.compressedSize > limit) throw past();
    data = compressed.slice();
  } else {
    data = new Uint8Array(limit);
    let length = 0;
    let overflow = false;
    const inflate = new Inflate((chunk) => {
      if (overflow || length + chunk.length > limit) {
        overflow = true;
        return;
      }
      data.set(chunk, length);
      length += chunk.length;
    });
    try {
      for (let at = 0; at < compressed.length && !overflow; at += INFLATE_STEP) {
        const stop = Math.min(at + INFLATE_STEP, compressed.length);
        inflate.push(compressed.subarray(at, stop), stop === compressed.length);
      }
      if (compressed.length === 0) inflate.push(compressed, true);
    } catch (e) {
      throw malformed(`entry "${entry.path}" is not a valid deflate stream (${e instanceof Error ? e.message : String(e)})`, file);
    }
    if (overflow) throw past();
    data = data.subarray(0, length);
  }
  if (data.length !== entry.size) throw malformed(`entry "${entry.path}" holds ${data.length} bytes, its header says ${entry.size}`, file);
  if (crc32(data) !== entry.crc) throw malformed(`entry "${entry.path}" fails its CRC-32 check`, file);
  return data;
}

let crcTable: Uint32Array | undefined;

/**
 * CRC-32 (IEEE 802.3, the zip and PNG checksum) of `bytes`.
 * @example crc32(new TextEncoder().encode('123456789')) // 0xcbf43926
 */
export function crc32(bytes: Uint8Array): number {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = crcTable[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function malformed(message: string, file: string | undefined): DatasetImportError {
  return new DatasetImportError('DATA_ARCHIVE_MALFORMED', message, { file });
}

function tooLarge(message: string, file: string | undefined): DatasetImportError {
  return new DatasetImportError('DATA_ARCHIVE_TOO_LARGE', message, { file });
}
