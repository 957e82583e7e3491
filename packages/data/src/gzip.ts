// Gzip detection by magic bytes and bounded decompression with the isomorphic DecompressionStream.

import { DatasetImportError } from './errors.ts';

/**
 * Whether `bytes` start with the gzip magic number 1f 8b (RFC 1952).
 * @example isGzip(await file.bytes()) // true for train-images-idx3-ubyte.gz
 */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * `bytes` as they are, or inflated when they are gzip; decompression stops with 'DATA_TOO_LARGE'
 * once the output passes `maxBytes` (a small file can inflate to gigabytes), and a corrupt
 * stream throws 'DATA_GZIP'. Uses the WHATWG `DecompressionStream` that browsers and Node ≥ 18
 * both provide, so this file needs no Node built-in.
 * @example const raw = await maybeGunzip(bytes, 256 * 1024 * 1024, 'train-images-idx3-ubyte.gz');
 */
export async function maybeGunzip(bytes: Uint8Array, maxBytes: number, file?: string): Promise<Uint8Array> {
  if (!isGzip(bytes)) {
    if (bytes.length > maxBytes) throw new DatasetImportError('DATA_TOO_LARGE', `${bytes.length} bytes exceed the limit of ${maxBytes}`, { file });
    return bytes;
  }
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) {
        await reader.cancel();
        throw new DatasetImportError('DATA_TOO_LARGE', `decompresses to more than the limit of ${maxBytes} bytes`, { file });
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof DatasetImportError) throw e;
    throw new DatasetImportError('DATA_GZIP', `not a valid gzip stream (${e instanceof Error ? e.message : String(e)})`, { file });
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
