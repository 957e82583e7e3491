// Durable writes for the dataset registry: a file's bytes and a directory's entries reach the disk
// before the rename that registers them, so a crash never leaves a renamed but empty dataset.

import { closeSync, fsyncSync, openSync, writeFileSync } from 'node:fs';

/**
 * Writes a file and fsyncs it.
 * @example writeSynced(path.join(dir, 'dataset.json'), JSON.stringify(manifest));
 */
export function writeSynced(file: string, data: Uint8Array | string): void {
  writeFileSync(file, data);
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Fsyncs a directory, making the entries created or renamed in it durable.
 * @example syncDir(datasetsDir);
 */
export function syncDir(dir: string): void {
  // Directory fsync makes the rename durable; some platforms cannot open a directory, which is fine there.
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Windows cannot open a directory for fsync; its rename is durable without it.
  }
}
